import { createDurable, withDurables } from "itty-durable";
import { error, json, Router } from "itty-router";
import {
  createTables,
  ExpiryAlarm,
  getSku,
  type HoldOutcome,
  holdBody,
  holdStatus,
  placeHold,
  putSku,
  type SkuView,
} from "../shared/sku-store";

/**
 * The itty-durable variant of the overhead bench: one SQLite-backed object per sku, read
 * through itty-durable's proxy stub, and a hold placed the same way. itty-durable 2.4.1 classes do not extend
 * `DurableObject`, so every method call is a `fetch` to the object with its arguments as JSON
 * in a `do-content` header, dispatched by an itty-router inside the object. The edge work
 * (match the route, build the JSON answer) mirrors bench/overhead/bare exactly, so the two
 * differ only in how the object is reached.
 */

/** The parts of itty's `state` (the object's `DurableObjectState`) this class touches. */
type IttyState = { storage: DurableObjectStorage };

/** Methods a proxied stub exposes: calls resolve to the parsed JSON the object answered. */
interface SkuStub {
  getSku(sku: string): Promise<SkuView | null>;
  putSku(sku: string, stock: number): Promise<SkuView>;
  placeHold(sku: string, quantity: number, ttlSeconds: number): Promise<HoldOutcome>;
}

type SkuRequest = Request & {
  params: { sku: string };
  SKUS: { get(name: string): SkuStub };
};

const Base = createDurable();

/** One `ExpiryAlarm` per object (kept outside the instance: itty proxies it). */
const alarms = new WeakMap<DurableObjectStorage, ExpiryAlarm>();
function alarmOf(storage: DurableObjectStorage): ExpiryAlarm {
  let alarm = alarms.get(storage);
  if (alarm === undefined) {
    alarm = new ExpiryAlarm(storage);
    alarms.set(storage, alarm);
  }
  return alarm;
}

export class IttySku extends Base {
  constructor(state: DurableObjectState, env: Record<string, unknown>) {
    super(state, env);
    createTables(this.storage.sql);
  }

  /** itty returns a Proxy from its constructor, so no `#private` members here. */
  get storage(): DurableObjectStorage {
    return (this.state as IttyState).storage;
  }

  getSku(sku: string): SkuView | null {
    return getSku(this.storage.sql, sku);
  }

  putSku(sku: string, stock: number): SkuView {
    return putSku(this.storage.sql, sku, stock);
  }

  /** The same transaction as the bare hold; its expiry armed by the same alarm logic. */
  placeHold(sku: string, quantity: number, ttlSeconds: number): HoldOutcome {
    const outcome = placeHold(this.storage, sku, quantity, ttlSeconds);
    if ("holdId" in outcome) alarmOf(this.storage).cover(Date.parse(outcome.expiresAt));
    return outcome;
  }

  alarm(): void {
    alarmOf(this.storage).fire();
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
  .post("/v1/skus/:sku/holds", withDurables({ parse: true }), async (request: SkuRequest) => {
    const { quantity, ttlSeconds } = await holdBody(request);
    const outcome = await request.SKUS.get(request.params.sku).placeHold(
      request.params.sku,
      quantity,
      ttlSeconds,
    );
    return json(outcome, { status: holdStatus(outcome) });
  })
  .put("/v1/skus/:sku", async (request: SkuRequest) => {
    const { stock } = (await request.json()) as { stock: number };
    return json(await request.SKUS.get(request.params.sku).putSku(request.params.sku, stock));
  })
  .all("*", () => error(404, { code: "not-found" }));

export default { fetch: router.fetch };
