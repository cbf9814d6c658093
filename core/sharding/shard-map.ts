import { hashKey } from "./hash-key";
import { jumpHash } from "./jump-hash";
import { validateShardCount } from "./shard-count";

const MAX_RECENT_KEYS = 4096;

/**
 * Routes keys of one service (`inventory`, `orders`) to a fixed number of named shards,
 * `${service}-${index}`, each of which is one Durable Object.
 *
 * The count is part of the data layout: changing it is an explicit migration. Jump hash
 * keeps that migration small (going from n to n+1 shards moves ~1/(n+1) of the keys,
 * only onto the new shard), but the moved keys' state must still be carried over.
 */
export class ShardMap {
  /** Service name, the prefix of every shard name. */
  readonly service: string;
  /** Number of shards, 1 to 1024. */
  readonly shardCount: number;

  /** Throws if `service` is empty or `shardCount` is not an integer from 1 to 1024. */
  constructor(service: string, shardCount: number) {
    if (service.length === 0) throw new Error("service must be a non-empty string");
    this.service = service;
    this.shardCount = validateShardCount(`${service} shardCount`, shardCount);
  }

  /**
   * Recent keys' shards: routing asks for the same hot keys on every request, and the 64-bit
   * hash is BigInt arithmetic per byte. Bounded; when full it starts over.
   */
  readonly #recent = new Map<string, number>();

  /** The shard index, in `[0, shardCount)`, that owns `key`. */
  shardOf(key: string): number {
    let index = this.#recent.get(key);
    if (index === undefined) {
      index = jumpHash(hashKey(key), this.shardCount);
      if (this.#recent.size >= MAX_RECENT_KEYS) this.#recent.clear();
      this.#recent.set(key, index);
    }
    return index;
  }

  /** The Durable Object name of shard `index`; throws RangeError outside `[0, shardCount)`. */
  shardName(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.shardCount) {
      throw new RangeError(
        `shard index must be an integer from 0 to ${this.shardCount - 1}, got ${index}`,
      );
    }
    return `${this.service}-${index}`;
  }

  /** Every shard name, in index order: for fan-out reads and health sweeps. */
  shardNames(): string[] {
    return Array.from({ length: this.shardCount }, (_, i) => `${this.service}-${i}`);
  }
}
