import type { Context, Handler, Hono } from "hono";
import type { z } from "zod";
import { canonicalJson, idParam, placeHoldBody, putSkuBody, skuParam } from "../../core/http";
import {
  FEED_LIMITS_HEADER,
  type FeedRefusal,
  feedLimitsHeader,
} from "../../durable-objects/inventory/stock-feed";
import { loadLimits } from "../../durable-objects/limits/config";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { inventoryClient } from "../inventory-client";
import { adminAuth } from "../middleware/admin-auth";
import { clientRateLimit } from "../middleware/client-rate-limit";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { answer } from "../reply";
import { resource } from "../resource";

const sku = { sku: skuParam };

/** The client's address, as the platform sets it (the key of every per-client limit). */
const clientOf = (c: Context<AppEnv>) => c.req.header("CF-Connecting-IP") ?? "unknown";
const hold = { sku: skuParam, holdId: idParam };

/** A route that sends one hold command (all idempotent) to the sub-shard holding the hold. */
function holdCommand(command: "getHold" | "confirmHold" | "releaseHold"): Handler<AppEnv> {
  return async function holdCommandHandler(c) {
    const { sku: skuKey = "", holdId = "" } = input(c).params;
    return answer(c, await inventoryClient(c).holdCommand(command, { sku: skuKey, holdId }));
  };
}

/** Inventory routes: SKUs, holds and the live stock events socket. */
export function skuRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/skus/:sku", {
    GET: [
      validate({ params: sku }),
      async (c) => {
        const { params } = input(c);
        return answer(c, await inventoryClient(c).getSku(params.sku ?? ""));
      },
    ],
    PUT: [
      adminAuth(),
      jsonBody(),
      validate({ params: sku, body: putSkuBody }),
      async (c) => {
        const { params, body } = input<z.infer<typeof putSkuBody>>(c);
        return answer(c, await inventoryClient(c).putSku(params.sku ?? "", body.stock));
      },
    ],
  });

  resource(app, "/v1/skus/:sku/holds", {
    POST: [
      jsonBody(),
      validate({ params: sku, body: placeHoldBody, idempotencyKey: "optional" }),
      clientRateLimit(),
      async (c) => {
        const { params, body, idempotencyKey } = input<z.infer<typeof placeHoldBody>>(c);
        const skuKey = params.sku ?? "";
        const keyed =
          idempotencyKey === undefined
            ? {}
            : {
                idempotencyKey: `hold/${skuKey}/${idempotencyKey}`,
                fingerprint: canonicalJson(body),
              };
        const ask = { sku: skuKey, ...body, client: clientOf(c) };
        return answer(c, await inventoryClient(c).placeHold(skuKey, ask, keyed), 201);
      },
    ],
  });

  resource(app, "/v1/skus/:sku/holds/:holdId", {
    GET: [validate({ params: hold }), holdCommand("getHold")],
    DELETE: [validate({ params: hold }), clientRateLimit(), holdCommand("releaseHold")],
  });

  resource(app, "/v1/skus/:sku/holds/:holdId/confirm", {
    POST: [validate({ params: hold }), clientRateLimit(), holdCommand("confirmHold")],
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
