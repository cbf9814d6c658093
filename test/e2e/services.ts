import type { ShardMap } from "../../core/sharding";
import { resolvePlacement } from "../../durable-objects/runtime/service";
import { SERVICES, type ServiceName, services } from "../../durable-objects/services";

export { SERVICES };

/**
 * The shard map a `wrangler dev` started by the harness runs `service` with: the service's
 * declaration with `wrangler.toml`'s vars and the server's own `vars` applied — so tests
 * follow the registry instead of hard-coding counts.
 */
export async function shardMapOf(
  service: ServiceName,
  vars: Record<string, string> = {},
): Promise<ShardMap> {
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: "wrangler.toml" });
  const def = services.get(service);
  const placement = resolvePlacement(def.name, def.varPrefix, def.placement, {
    ...config.vars,
    ...vars,
  });
  if (placement.kind !== "sharded") throw new Error(`${service} is not sharded`);
  return placement.shards;
}

/** The shard count of `service` on such a server. */
export const shardCountOf = async (service: ServiceName, vars: Record<string, string> = {}) =>
  (await shardMapOf(service, vars)).shardCount;
