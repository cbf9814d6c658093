import type { Context, Handler, Hono } from "hono";
import type { z } from "zod";
import { canonicalJson, idParam, placeHoldBody, putSkuBody, skuParam } from "../../core/http";
import type { AppEnv } from "../context";
import { adminAuth } from "../middleware/admin-auth";
import { clientRateLimit } from "../middleware/client-rate-limit";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { answer, clientDeadline } from "../reply";
import { resource } from "../resource";
import { guarded } from "../shard-call";
import { stockEvents } from "./stock-events";

const sku = { sku: skuParam };

/** The client's address, as the platform sets it (the key of every per-client limit). */
const clientOf = (c: Context<AppEnv>) => c.req.header("CF-Connecting-IP") ?? "unknown";
const hold = { sku: skuParam, holdId: idParam };

/** Sends one command to the inventory shard owning the request's sku. */
function inventory(c: Context<AppEnv>, idempotent: boolean) {
  const router = c.get("router");
  const skuKey = input(c).params.sku ?? "";
  return {
    ref: () => router.inventory(skuKey),
    guard: <T>(send: Parameters<typeof guarded<T>>[2]) =>
      guarded(
        router.locate("inventory", skuKey),
        { idempotent, deadline: clientDeadline(c), meta: { reserved: c.get("admin") } },
        send,
      ),
  };
}

/** A route that sends one hold command (all idempotent) for the request's sku and hold. */
function holdCommand(command: "getHold" | "confirmHold" | "releaseHold"): Handler<AppEnv> {
  return async function holdCommandHandler(c) {
    const { sku: skuKey = "", holdId = "" } = input(c).params;
    const shard = inventory(c, true);
    const payload = { sku: skuKey, holdId };
    return answer(c, await shard.guard((meta) => shard.ref().call(command, payload, meta)));
  };
}

/** Inventory routes: SKUs, holds and the live stock events socket. */
export function skuRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/skus/:sku", {
    GET: [
      validate({ params: sku }),
      async (c) => {
        const { params } = input(c);
        const shard = inventory(c, true);
        return answer(
          c,
          await shard.guard((meta) => shard.ref().call("getSku", { sku: params.sku ?? "" }, meta)),
        );
      },
    ],
    PUT: [
      adminAuth(),
      jsonBody(),
      validate({ params: sku, body: putSkuBody }),
      async (c) => {
        const { params, body } = input<z.infer<typeof putSkuBody>>(c);
        const shard = inventory(c, true);
        const payload = { sku: params.sku ?? "", stock: body.stock };
        return answer(c, await shard.guard((meta) => shard.ref().call("putSku", payload, meta)));
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
        const shard = inventory(c, idempotencyKey !== undefined);
        const keyed =
          idempotencyKey === undefined
            ? {}
            : {
                idempotencyKey: `hold/${skuKey}/${idempotencyKey}`,
                fingerprint: canonicalJson(body),
              };
        const reply = await shard.guard((meta) =>
          shard
            .ref()
            .call(
              "placeHold",
              { sku: skuKey, ...body, client: clientOf(c) },
              { ...meta, ...keyed },
            ),
        );
        return answer(c, reply, 201);
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
    GET: [validate({ params: sku }), stockEvents],
  });
}
