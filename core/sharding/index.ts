/**
 * Key → shard routing: a stable string hash, jump consistent hashing and the validated
 * `ShardMap` the edge Worker uses to pick a Durable Object.
 */
export { hashKey } from "./hash-key";
export { jumpHash } from "./jump-hash";
export { MAX_SHARDS, validateShardCount } from "./shard-count";
export { ShardMap } from "./shard-map";
