import { Actor } from "@cloudflare/actors";
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
 * The @cloudflare/actors variant of the overhead bench: one `Actor` per sku, reached the way
 * its README's "RPC Interface" shows (`SkuActor.get(name)` finds the binding named like the
 * class, names the instance, and returns a native RPC stub). The actor's work is the shared
 * sku store, so only the framework around it differs from bench/overhead/bare.
 */

interface Env {
  SkuActor: DurableObjectNamespace<SkuActor>;
}

export class SkuActor extends Actor<Env> {
  // Built lazily: Actor's constructor may run without a state (it tolerates that itself).
  #alarm: ExpiryAlarm | undefined;

  /** Runs once, from the `setName` RPC that `SkuActor.get` sends ahead of every call. */
  protected override async onInit(): Promise<void> {
    createTables(this.ctx.storage.sql);
  }

  getSku(sku: string): SkuView | null {
    return getSku(this.ctx.storage.sql, sku);
  }

  putSku(sku: string, stock: number): SkuView {
    return putSku(this.ctx.storage.sql, sku, stock);
  }

  placeHold(sku: string, quantity: number, ttlSeconds: number): HoldOutcome {
    const outcome = placeHold(this.ctx.storage, sku, quantity, ttlSeconds);
    if ("holdId" in outcome) this.#expiry().cover(Date.parse(outcome.expiresAt));
    return outcome;
  }

  protected override async onAlarm(): Promise<void> {
    this.#expiry().fire();
  }

  #expiry(): ExpiryAlarm {
    this.#alarm ??= new ExpiryAlarm(this.ctx.storage);
    return this.#alarm;
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return json({ status: "ok" });
    const [, sku, holds] = ROUTE.exec(pathname) ?? [];
    if (sku === undefined) return json({ code: "not-found" }, 404);
    const actor = SkuActor.get(sku);
    if (holds !== undefined) {
      if (request.method !== "POST") return json({ code: "method-not-allowed" }, 405);
      const { quantity, ttlSeconds } = await holdBody(request);
      const outcome = await actor.placeHold(sku, quantity, ttlSeconds);
      return json(outcome, holdStatus(outcome));
    }
    if (request.method === "GET") {
      const view = await actor.getSku(sku);
      return view ? json(view) : json({ code: "not-found" }, 404);
    }
    if (request.method === "PUT") {
      const { stock } = (await request.json()) as { stock: number };
      return json(await actor.putSku(sku, stock));
    }
    return json({ code: "method-not-allowed" }, 405);
  },
};
