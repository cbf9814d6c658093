import { DurableObject } from "cloudflare:workers";
import {
  createTables,
  ExpiryAlarm,
  getSku,
  type HoldOutcome,
  holdBody,
  holdStatus,
  json,
  placeHold,
  putSku,
  ROUTE,
  type SkuView,
} from "../shared/sku-store";

/**
 * The baseline of the overhead bench: one plain SQLite-backed Durable Object per sku, reached
 * over native DO RPC. It answers the same `SkuView` / `HoldView` JSON as the product's
 * `GET /v1/skus/{sku}` and `POST /v1/skus/{sku}/holds`, and a hold checks stock and records
 * itself in one transaction with its expiry armed, as the product's does; everything the
 * product adds (validation, rate limit, routing by shard, supervision, admission, telemetry)
 * is absent on purpose.
 */

interface Env {
  SKUS: DurableObjectNamespace<BareSku>;
}

export class BareSku extends DurableObject<Env> {
  readonly #alarm: ExpiryAlarm;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    createTables(ctx.storage.sql);
    this.#alarm = new ExpiryAlarm(ctx.storage);
  }

  getSku(sku: string): SkuView | null {
    return getSku(this.ctx.storage.sql, sku);
  }

  putSku(sku: string, stock: number): SkuView {
    return putSku(this.ctx.storage.sql, sku, stock);
  }

  placeHold(sku: string, quantity: number, ttlSeconds: number): HoldOutcome {
    const outcome = placeHold(this.ctx.storage, sku, quantity, ttlSeconds);
    if ("holdId" in outcome) this.#alarm.cover(Date.parse(outcome.expiresAt));
    return outcome;
  }

  override alarm(): void {
    this.#alarm.fire();
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return json({ status: "ok" });
    const [, sku, holds] = ROUTE.exec(pathname) ?? [];
    if (sku === undefined) return json({ code: "not-found" }, 404);
    const stub = env.SKUS.get(env.SKUS.idFromName(sku));
    if (holds !== undefined) {
      if (request.method !== "POST") return json({ code: "method-not-allowed" }, 405);
      const { quantity, ttlSeconds } = await holdBody(request);
      const outcome = await stub.placeHold(sku, quantity, ttlSeconds);
      return json(outcome, holdStatus(outcome));
    }
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
