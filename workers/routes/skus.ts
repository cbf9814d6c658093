import type { Hono } from "hono";
import { idParam, placeHoldBody, putSkuBody, skuParam } from "../../core/http";
import {
  FEED_LIMITS_HEADER,
  type FeedRefusal,
  feedLimitsHeader,
} from "../../durable-objects/inventory/stock-feed";
import { loadLimits } from "../../durable-objects/limits/config";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { input, validate } from "../middleware/validate";
import { resource } from "../resource";
import { clientOf } from "../service-call";
import { serviceRoute } from "../service-route";

const sku = { sku: skuParam };
const hold = { sku: skuParam, holdId: idParam };

/** A hold command of the request's sku and hold (reads and absolute writes: all idempotent). */
const holdRoute = (command: "getHold" | "confirmHold" | "releaseHold") =>
  serviceRoute({
    service: "inventory",
    command,
    kind: command === "getHold" ? "read" : "absolute",
    params: hold,
    key: ({ params }) => params.sku,
    payload: ({ params }) => ({ sku: params.sku, holdId: params.holdId }),
  });

/** Inventory routes: SKUs, holds and the live stock events socket. */
export function skuRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/skus/:sku", {
    GET: serviceRoute({
      service: "inventory",
      command: "getSku",
      kind: "read",
      params: sku,
      key: ({ params }) => params.sku,
      payload: ({ params }) => ({ sku: params.sku }),
    }),
    PUT: serviceRoute({
      service: "inventory",
      command: "putSku",
      kind: "absolute",
      admin: true,
      params: sku,
      body: putSkuBody,
      key: ({ params }) => params.sku,
      payload: ({ params, body }) => ({ sku: params.sku, stock: body.stock }),
    }),
  });

  resource(app, "/v1/skus/:sku/holds", {
    POST: serviceRoute({
      service: "inventory",
      command: "placeHold",
      kind: "effect",
      params: sku,
      body: placeHoldBody,
      idempotencyKey: "optional",
      scope: "hold",
      key: ({ params }) => params.sku,
      payload: ({ params, body }, c) => ({ sku: params.sku, ...body, client: clientOf(c) }),
      status: 201,
    }),
  });

  resource(app, "/v1/skus/:sku/holds/:holdId", {
    GET: holdRoute("getHold"),
    DELETE: holdRoute("releaseHold"),
  });

  resource(app, "/v1/skus/:sku/holds/:holdId/confirm", {
    POST: holdRoute("confirmHold"),
  });

  resource(app, "/v1/skus/:sku/events", {
    GET: [
      validate({ params: sku }),
      async (c) => {
        if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
          throw new Problem(
            "invalid-request",
            "this endpoint expects a WebSocket upgrade (Upgrade: websocket)",
          );
        }
        const skuKey = input(c).params.sku ?? "";
        const router = c.get("router");
        const response = await router.stub(router.locate("inventory", skuKey)).fetch(
          new Request(c.req.url, {
            headers: {
              Upgrade: "websocket",
              "X-Bulwark-Sku": skuKey,
              "X-Bulwark-Client": clientOf(c),
              [FEED_LIMITS_HEADER]: feedLimitsHeader(loadLimits(c.env).feed),
            },
          }),
        );
        if (response.status === 404) throw new Problem("not-found", `sku ${skuKey} does not exist`);
        // A feed refusal is JSON; a shard its supervisor stopped answers 503 in plain text
        // (Actor.fetch), which falls through to the service-unavailable below.
        const json = response.headers.get("Content-Type")?.includes("application/json");
        if (json && (response.status === 429 || response.status === 503)) {
          const refusal = (await response.json()) as FeedRefusal;
          throw new Problem(refusal.code, refusal.detail, refusal.retryAfterMs);
        }
        if (response.status !== 101) {
          throw new Problem("service-unavailable", "the inventory shard cannot take listeners now");
        }
        return response;
      },
    ],
  });
}
