import { hashKey, jumpHash } from "../../../core/sharding";

/**
 * The `simple_one_for_one` supervisor that lists entity `key` of `service`: one of
 * `partitions` supervisors, `<service>/p<i>`, chosen by jump hash of the key. Each partition
 * holds only the entities active under it (one indexed row each), so no supervisor grows with
 * the number of keys, only with the active ones divided by `partitions`. The count is part of
 * the layout: changing it moves entities to other partitions (rows left in the old ones stay
 * listed until the supervisors restart), so change it with the service drained.
 */
export function entityPartition(service: string, key: string, partitions: number): string {
  return `${service}/p${jumpHash(hashKey(key), checkPartitions(partitions))}`;
}

/** Every partition supervisor's name of `service`, in order. */
export function entityPartitions(service: string, partitions: number): string[] {
  return Array.from({ length: checkPartitions(partitions) }, (_, i) => `${service}/p${i}`);
}

function checkPartitions(partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new Error(`entity partitions must be an integer from 1 to 1024, got ${partitions}`);
  }
  return partitions;
}
