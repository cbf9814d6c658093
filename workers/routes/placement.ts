import type { Hono } from "hono";
import { MAX_SUB_SHARDS, placementBody, skuParam } from "../../core/http";
import { loadSpreadConfig } from "../../durable-objects/inventory/spread/config";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { inventoryClient } from "../inventory-client";
import { resource } from "../resource";
import { serviceRoute } from "../service-route";

const sku = { sku: skuParam };

/** Hot SKUs: how many sub-shards a sku's stock is spread over (admin). */
export function placementRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/skus/:sku/placement", {
    GET: serviceRoute({
      service: "inventory",
      command: "getPlacement",
      kind: "read",
      admin: true,
      params: sku,
      key: ({ params }) => params.sku,
      payload: ({ params }) => ({ sku: params.sku }),
      send: (c, call) => inventoryClient(c).placement(call.key, true),
    }),
    PUT: serviceRoute({
      service: "inventory",
      command: "setPlacement",
      kind: "absolute",
      admin: true,
      params: sku,
      body: placementBody,
      key: ({ params }) => params.sku,
      payload: ({ params, body }) => ({ sku: params.sku, subShards: body.subShards }),
      send: (c, { key, payload }) => {
        const max = loadSpreadConfig(c.env).maxSubShards;
        if (payload.subShards > max) {
          throw new Problem(
            "invalid-request",
            `subShards: ${payload.subShards} is over the limit of ${max} (min of ${MAX_SUB_SHARDS} and INVENTORY_SHARDS)`,
          );
        }
        return inventoryClient(c).setPlacement(key, payload.subShards);
      },
    }),
  });
}
