import { integer, type Vars } from "../core/config";
import type { AdmissionOptions } from "../core/regulation";
import { ShardMap } from "../core/sharding";
import { parseFlags, type SupervisorFlags } from "../core/supervision";

/** The services of the reference system, each one Durable Object class sharded by key. */
export const SERVICES = ["inventory", "orders"] as const;
export type ServiceName = (typeof SERVICES)[number];

export const isService = (name: string): name is ServiceName =>
  (SERVICES as readonly string[]).includes(name);

/** Everything configurable per service, validated from `wrangler.toml` vars. */
export interface ServiceConfig {
  readonly name: ServiceName;
  readonly binding: "INVENTORY" | "ORDERS";
  readonly shards: ShardMap;
  readonly flags: SupervisorFlags;
  /** `null` when regulation is switched off (`REGULATION=off`, benchmarks only). */
  readonly admission: AdmissionOptions | null;
  /** Simulated serial work per command (`<SERVICE>_SERVICE_TIME_MS`, benchmarks only). */
  readonly serviceTimeMs: number;
  /** Optional location hint for the service's objects (e.g. `weur`). */
  readonly locationHint: DurableObjectLocationHint | undefined;
}

export interface BulwarkConfig {
  readonly services: Readonly<Record<ServiceName, ServiceConfig>>;
  readonly downRecoveryMs: number;
  readonly rateLimitPerMinute: number;
  readonly faultInjection: boolean;
  /** How long a saga waits before its resume timer drives it again (and base of its backoff). */
  readonly ordersResumeMs: number;
  /** Base delay of the orders queue's exponential retry backoff. */
  readonly queueRetryBaseMs: number;
}

function service(vars: Vars, name: ServiceName): ServiceConfig {
  const prefix = name.toUpperCase();
  const regulated = (vars.REGULATION ?? "on") !== "off";
  const hint = vars[`${prefix}_LOCATION_HINT`];
  return {
    name,
    binding: name === "inventory" ? "INVENTORY" : "ORDERS",
    shards: new ShardMap(name, integer(vars, `${prefix}_SHARDS`, 16, 1, 1024)),
    flags: parseFlags(
      {
        strategy: vars.SUPERVISOR_STRATEGY ?? "one_for_one",
        intensity: integer(vars, "SUPERVISOR_INTENSITY", 5, 0, 1000),
        periodMs: integer(vars, "SUPERVISOR_PERIOD_MS", 10_000, 1, 86_400_000),
      },
      "SUPERVISOR_",
    ),
    admission: regulated
      ? {
          maxConcurrency: integer(vars, `${prefix}_MAX_CONCURRENCY`, 64, 1, 100_000),
          ratePerSecond: integer(vars, `${prefix}_RATE_PER_SECOND`, 1000, 1, 1_000_000),
          burst: integer(vars, `${prefix}_BURST`, 200, 1, 1_000_000),
          maxSojournMs: integer(vars, `${prefix}_MAX_SOJOURN_MS`, 25, 0, 60_000),
          maxQueue: integer(vars, `${prefix}_MAX_QUEUE`, 256, 0, 100_000),
        }
      : null,
    serviceTimeMs: integer(vars, `${prefix}_SERVICE_TIME_MS`, 0, 0, 10_000),
    locationHint:
      typeof hint === "string" && hint !== "" ? (hint as DurableObjectLocationHint) : undefined,
  };
}

const cache = new WeakMap<object, BulwarkConfig>();

/**
 * Parses and validates configuration once per `env` object; a bad value fails loudly with
 * the field and its limit instead of running with a silent default.
 */
export function loadConfig(env: object): BulwarkConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as Vars;
  const config: BulwarkConfig = {
    services: { inventory: service(vars, "inventory"), orders: service(vars, "orders") },
    downRecoveryMs: integer(vars, "DOWN_RECOVERY_MS", 60_000, 0, 86_400_000),
    rateLimitPerMinute: integer(vars, "RATE_LIMIT_PER_MINUTE", 6000, 1, 10_000_000),
    faultInjection: vars.FAULT_INJECTION === "on",
    ordersResumeMs: integer(vars, "ORDERS_RESUME_MS", 2000, 1, 3_600_000),
    queueRetryBaseMs: integer(vars, "QUEUE_RETRY_BASE_MS", 1000, 0, 3_600_000),
  };
  cache.set(env, config);
  return config;
}
