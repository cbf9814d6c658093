import type { Hono } from "hono";
import {
  SERVICES,
  type ServiceName,
  type ShardAddress,
  type ShardRouter,
} from "../../durable-objects";
import type { AppEnv } from "../context";
import { adminAuth } from "../middleware/admin-auth";
import { validate } from "../middleware/validate";
import { resource } from "../resource";

/** One shard's load, as the heat map draws it. */
export interface ShardHeat {
  readonly index: number;
  readonly name: string;
  /** The actor's lifecycle; `unreachable` when its inspection failed. */
  readonly status: "idle" | "running" | "stopped" | "unreachable";
  readonly inFlight: number;
  readonly queued: number;
  /** The shard's admission concurrency limit; `null` when it reported no load yet. */
  readonly limit: number | null;
  /** Commands refused for load (`overloaded`) in this incarnation of the shard. */
  readonly refusals: number;
  readonly incarnation: number;
}

async function heatOf(router: ShardRouter, shard: ShardAddress): Promise<ShardHeat> {
  const base = { index: shard.index, name: shard.name };
  try {
    const seen = await router.actor(shard).inspect();
    let refusals = 0;
    for (const stats of Object.values(seen.commands)) refusals += stats.outcomes.overloaded ?? 0;
    return {
      ...base,
      status: seen.status,
      inFlight: seen.load?.inFlight ?? 0,
      queued: seen.load?.queued ?? 0,
      limit: seen.load?.limit ?? null,
      refusals,
      incarnation: seen.incarnation,
    };
  } catch {
    return {
      ...base,
      status: "unreachable",
      inFlight: 0,
      queued: 0,
      limit: null,
      refusals: 0,
      incarnation: 0,
    };
  }
}

/**
 * Every shard's load, read from the actors' own `inspect()` (the runtime's bookkeeping, not a
 * second one). One RPC per shard, in parallel; an operator view, never on a client's path.
 */
export async function shardHeat(router: ShardRouter): Promise<Record<ServiceName, ShardHeat[]>> {
  const entries = await Promise.all(
    SERVICES.map(async (service) => {
      const shards = await Promise.all(
        router.shards(service).map((shard) => heatOf(router, shard)),
      );
      return [service, shards] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ServiceName, ShardHeat[]>;
}

/** `GET /v1/ops/shards` (admin): `{ services: { inventory: [ShardHeat], orders: [...] } }`. */
export function shardRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/ops/shards", {
    GET: [
      adminAuth(),
      validate({}),
      async (c) => c.json({ services: await shardHeat(c.get("router")) }),
    ],
  });
}
