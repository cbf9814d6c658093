import { z } from "zod";
import { named } from "./views";

/** What the placement routes answer (`Placement` in `durable-objects/inventory/protocol.ts`). */
export const placementView = z
  .looseObject({
    sku: z.string(),
    spread: z.boolean().meta({ description: "false: a plain sku, one row in its home shard" }),
    subShards: z.int().min(1).meta({ description: "K: new holds go to sub-shards 0 … K-1" }),
    highest: z
      .int()
      .min(1)
      .meta({ description: "most sub-shards ever used; those at or past K are retired" }),
    stock: z.int().min(0).meta({ description: "the sku's total stock" }),
    version: z.int(),
    earlier: z
      .array(z.int().min(1))
      .meta({ description: "other values K had in the last 24 h (keyed retries look there)" }),
  })
  .register(named, { id: "Placement" });
