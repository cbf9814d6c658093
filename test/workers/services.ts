import { env } from "cloudflare:workers";
import { loadConfig, SERVICES, type ServiceName } from "../../durable-objects";

export { SERVICES };

/** The shard count `service` runs with under the test bindings (declaration + vars). */
export const shardCount = (service: ServiceName): number =>
  loadConfig(env).services[service].shards?.shardCount ?? 0;

/** Every shard of every registered service, counted. */
export const allShards = (): number => SERVICES.reduce((n, s) => n + shardCount(s), 0);

/**
 * The children of `service`'s supervisor under the test bindings: its shards, or — a
 * per-entity service — its partition supervisors (`<service>/p<i>`).
 */
export function supervisedChildren(service: ServiceName): string[] {
  const { placement, shards } = loadConfig(env).services[service];
  if (placement.kind === "entity") {
    return Array.from({ length: placement.partitions }, (_, i) => `${service}/p${i}`);
  }
  return shards?.shardNames() ?? [];
}
