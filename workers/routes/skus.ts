import type { Hono } from "hono";
import { idParam, placeHoldBody, putSkuBody, skuParam } from "../../core/http";
import type { AppEnv } from "../context";
import { inventoryClient } from "../inventory-client";
import { validate } from "../middleware/validate";
import { webSocketUpgrade } from "../middleware/websocket-upgrade";
import { resource } from "../resource";
import { clientOf } from "../service-call";
import { serviceRoute } from "../service-route";
import { stockEvents } from "./stock-events";

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
    // A spread sku's hold lives on the sub-shard its id names.
    send: (c, call) => inventoryClient(c).holdCommand(command, call.payload),
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
      send: (c, call) => inventoryClient(c).getSku(call.key),
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
      send: (c, call) => inventoryClient(c).putSku(call.key, call.payload.stock),
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
      send: (c, { key, payload, idempotency: id }) =>
        inventoryClient(c).placeHold(
          key,
          payload,
          id ? { idempotencyKey: id.key, fingerprint: id.fingerprint } : {},
        ),
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
    GET: [validate({ params: sku }), webSocketUpgrade(), stockEvents],
  });
}
