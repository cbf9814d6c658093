import type { ShardAddress, ShardRouter } from "../../routing";
import type { ActorRef } from "../../runtime";
import type { InventoryProtocol } from "../protocol";
import { subShardIndex } from "./placement";

/** The inventory shard that serves sub-shard `subShard` of `sku` (see `subShardIndex`). */
export function subShardAddress(router: ShardRouter, sku: string, subShard: number): ShardAddress {
  const home = router.locate("inventory", sku);
  if (subShard === 0) return home;
  const shards = router.shards("inventory").length;
  const address = router.shard("inventory", subShardIndex(home.index, subShard, shards));
  if (!address) throw new Error(`sub-shard ${subShard} of ${sku} has no shard`);
  return address;
}

/** A typed reference to sub-shard `subShard` of `sku`. */
export const subShardRef = (
  router: ShardRouter,
  sku: string,
  subShard: number,
): ActorRef<InventoryProtocol> =>
  router.ref({ ...subShardAddress(router, sku, subShard), service: "inventory" });
