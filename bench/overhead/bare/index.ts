import { DurableObject } from "cloudflare:workers";

/**
 * The baseline of the overhead bench: one plain SQLite-backed Durable Object per sku, read
 * over native DO RPC. It answers the same `SkuView` JSON as the product's
 * `GET /v1/skus/{sku}` so the two are comparable byte for byte; everything the product adds
 * (validation, routing by shard, supervision, admission, telemetry) is absent on purpose.
 */

interface Env {
  SKUS: DurableObjectNamespace<BareSku>;
}

interface SkuView {
  sku: string;
  stock: number;
  available: number;
  held: number;
  sold: number;
  version: number;
}

type SkuRow = { sku: string; stock: number; held: number; sold: number; version: number };

export class BareSku extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS skus (
         sku TEXT PRIMARY KEY, stock INTEGER NOT NULL, held INTEGER NOT NULL,
         sold INTEGER NOT NULL, version INTEGER NOT NULL)`,
    );
  }

  /** The sku's row as a `SkuView`, or null when it was never stocked. */
  getSku(sku: string): SkuView | null {
    const row = this.ctx.storage.sql
      .exec<SkuRow>("SELECT sku, stock, held, sold, version FROM skus WHERE sku = ?", sku)
      .toArray()[0];
    return row ? { ...row, available: row.stock - row.held - row.sold } : null;
  }

  /** Seeds the bench: sets the sku's stock (creating its row) and bumps its version. */
  putSku(sku: string, stock: number): SkuView {
    this.ctx.storage.sql.exec(
      `INSERT INTO skus (sku, stock, held, sold, version) VALUES (?, ?, 0, 0, 1)
       ON CONFLICT (sku) DO UPDATE SET stock = excluded.stock, version = version + 1`,
      sku,
      stock,
    );
    return this.getSku(sku) as SkuView;
  }
}

const ROUTE = /^\/v1\/skus\/([A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/;

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

export default {
  async fetch(request, env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return json({ status: "ok" });
    const sku = ROUTE.exec(pathname)?.[1];
    if (sku === undefined) return json({ code: "not-found" }, 404);
    const stub = env.SKUS.get(env.SKUS.idFromName(sku));
    if (request.method === "GET") {
      const view = await stub.getSku(sku);
      return view ? json(view) : json({ code: "not-found" }, 404);
    }
    if (request.method === "PUT") {
      const { stock } = (await request.json()) as { stock: number };
      return json(await stub.putSku(sku, stock));
    }
    return json({ code: "method-not-allowed" }, 405);
  },
} satisfies ExportedHandler<Env>;
