import { createDurable, withDurables } from "itty-durable";
import { error, json, Router } from "itty-router";

/**
 * The itty-durable variant of the overhead bench: one SQLite-backed object per sku, read
 * through itty-durable's proxy stub. itty-durable 2.4.1 classes do not extend
 * `DurableObject`, so every method call is a `fetch` to the object with its arguments as JSON
 * in a `do-content` header, dispatched by an itty-router inside the object. The edge work
 * (match the route, build the JSON answer) mirrors bench/overhead/bare exactly, so the two
 * differ only in how the object is reached.
 */

interface SkuView {
  sku: string;
  stock: number;
  available: number;
  held: number;
  sold: number;
  version: number;
}

type SkuRow = { sku: string; stock: number; held: number; sold: number; version: number };

/** The parts of itty's `state` (the object's `DurableObjectState`) this class touches. */
type IttyState = { storage: DurableObjectStorage };

/** Methods a proxied stub exposes: calls resolve to the parsed JSON the object answered. */
interface SkuStub {
  getSku(sku: string): Promise<SkuView | null>;
  putSku(sku: string, stock: number): Promise<SkuView>;
}

type SkuRequest = Request & {
  params: { sku: string };
  SKUS: { get(name: string): SkuStub };
};

const Base = createDurable();

export class IttySku extends Base {
  constructor(state: DurableObjectState, env: Record<string, unknown>) {
    super(state, env);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS skus (
         sku TEXT PRIMARY KEY, stock INTEGER NOT NULL, held INTEGER NOT NULL,
         sold INTEGER NOT NULL, version INTEGER NOT NULL)`,
    );
  }

  /** itty returns a Proxy from its constructor, so no `#private` members here. */
  get sql(): SqlStorage {
    return (this.state as IttyState).storage.sql;
  }

  /** The sku's row as a `SkuView`, or null when it was never stocked. */
  getSku(sku: string): SkuView | null {
    const row = this.sql
      .exec<SkuRow>("SELECT sku, stock, held, sold, version FROM skus WHERE sku = ?", sku)
      .toArray()[0];
    return row ? { ...row, available: row.stock - row.held - row.sold } : null;
  }

  /** Seeds the bench: sets the sku's stock (creating its row) and bumps its version. */
  putSku(sku: string, stock: number): SkuView {
    this.sql.exec(
      `INSERT INTO skus (sku, stock, held, sold, version) VALUES (?, ?, 0, 0, 1)
       ON CONFLICT (sku) DO UPDATE SET stock = excluded.stock, version = version + 1`,
      sku,
      stock,
    );
    return this.getSku(sku) as SkuView;
  }
}

const router = Router();

router
  .get("/healthz", () => json({ status: "ok" }))
  .all("/v1/skus/:sku", withDurables({ parse: true }))
  .get("/v1/skus/:sku", async ({ SKUS, params }: SkuRequest) => {
    const view = await SKUS.get(params.sku).getSku(params.sku);
    return view ? json(view) : error(404, { code: "not-found" });
  })
  .put("/v1/skus/:sku", async (request: SkuRequest) => {
    const { stock } = (await request.json()) as { stock: number };
    return json(await request.SKUS.get(request.params.sku).putSku(request.params.sku, stock));
  })
  .all("*", () => error(404, { code: "not-found" }));

export default { fetch: router.fetch };
