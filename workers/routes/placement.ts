import type { Hono } from "hono";
import type { z } from "zod";
import { MAX_SUB_SHARDS, placementBody, skuParam } from "../../core/http";
import { loadSpreadConfig } from "../../durable-objects/inventory/spread/config";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { inventoryClient } from "../inventory-client";
import { adminAuth } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { answer } from "../reply";
import { resource } from "../resource";

const sku = { sku: skuParam };

/** Hot SKUs: how many sub-shards a sku's stock is spread over (admin). */
export function placementRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/skus/:sku/placement", {
    GET: [
      adminAuth(),
      validate({ params: sku }),
      async (c) => answer(c, await inventoryClient(c).placement(input(c).params.sku ?? "", true)),
    ],
    PUT: [
      adminAuth(),
      jsonBody(),
      validate({ params: sku, body: placementBody }),
      async (c) => {
        const { params, body } = input<z.infer<typeof placementBody>>(c);
        const max = loadSpreadConfig(c.env).maxSubShards;
        if (body.subShards > max) {
          throw new Problem(
            "invalid-request",
            `subShards: ${body.subShards} is over the limit of ${max} (min of ${MAX_SUB_SHARDS} and INVENTORY_SHARDS)`,
          );
        }
        const client = inventoryClient(c);
        return answer(c, await client.setPlacement(params.sku ?? "", body.subShards));
      },
    ],
  });
}
