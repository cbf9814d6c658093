import { z } from "zod";

/** Most sub-shards one hot SKU may spread over (and never more than the inventory shard count). */
export const MAX_SUB_SHARDS = 64;

/** `PUT /v1/skus/{sku}/placement`: K, 1–64 (the edge also caps it at `INVENTORY_SHARDS`). */
export const placementBody = z.strictObject({
  subShards: z.number().int().min(1).max(MAX_SUB_SHARDS),
});
