import { routePartykitRequest, Server } from "partyserver";
import {
  createTables,
  ExpiryAlarm,
  getSku,
  holdBody,
  holdStatus,
  json,
  placeHold,
  putSku,
} from "../shared/sku-store";

/**
 * The partyserver variant of the overhead bench: one `Server` per sku (its room name is the
 * sku), reached the way partyserver routes HTTP: `routePartykitRequest` with the prefix `v1`
 * maps `/v1/skus/{sku}[/holds]` to the `Skus` binding and the server named `{sku}`, whose
 * `onRequest` answers. The data work is the shared sku store, so only the framework around it
 * differs from bench/overhead/bare.
 */

interface Env {
  Skus: DurableObjectNamespace<SkuServer>;
}

export class SkuServer extends Server<Env> {
  #alarm: ExpiryAlarm | undefined;

  override onStart(): void {
    createTables(this.ctx.storage.sql);
    this.#alarm = new ExpiryAlarm(this.ctx.storage);
  }

  override async onRequest(request: Request): Promise<Response> {
    const sku = this.name;
    if (new URL(request.url).pathname.endsWith("/holds")) {
      if (request.method !== "POST") return json({ code: "method-not-allowed" }, 405);
      const { quantity, ttlSeconds } = await holdBody(request);
      const outcome = placeHold(this.ctx.storage, sku, quantity, ttlSeconds);
      if ("holdId" in outcome) this.#alarm?.cover(Date.parse(outcome.expiresAt));
      return json(outcome, holdStatus(outcome));
    }
    if (request.method === "GET") {
      const view = getSku(this.ctx.storage.sql, sku);
      return view ? json(view) : json({ code: "not-found" }, 404);
    }
    if (request.method === "PUT") {
      const { stock } = (await request.json()) as { stock: number };
      return json(putSku(this.ctx.storage.sql, sku, stock));
    }
    return json({ code: "method-not-allowed" }, 405);
  }

  override onAlarm(): void {
    this.#alarm?.fire();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === "/healthz") return json({ status: "ok" });
    return (
      (await routePartykitRequest(request, env as unknown as Cloudflare.Env, { prefix: "v1" })) ??
      json({ code: "not-found" }, 404)
    );
  },
} satisfies ExportedHandler<Env>;
