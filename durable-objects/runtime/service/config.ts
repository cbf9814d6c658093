import { integer, type Vars } from "../../../core/config";
import type { AdmissionOptions } from "../../../core/regulation";
import type { ShardMap } from "../../../core/sharding";
import { parseFlags, type SupervisorFlags } from "../../../core/supervision";
import type { Protocol } from "../commands";
import { DEFAULT_ADMISSION, type ServiceDefinition } from "./define";
import { type ResolvedPlacement, resolvePlacement } from "./placement";

/** A service's declaration with its vars applied and validated. */
export interface ServiceConfig<N extends string = string, B extends string = string, S = unknown> {
  readonly name: N;
  readonly binding: B;
  readonly placement: ResolvedPlacement;
  /** The shard map of a `sharded` service; `null` for one object per entity. */
  readonly shards: ShardMap | null;
  readonly flags: SupervisorFlags;
  /** `null` when regulation is switched off (`REGULATION=off`, benchmarks only). */
  readonly admission: AdmissionOptions | null;
  /** Simulated serial work per command (`<NAME>_SERVICE_TIME_MS`, benchmarks only). */
  readonly serviceTimeMs: number;
  /** Optional location hint for the service's objects (`<NAME>_LOCATION_HINT`, e.g. `weur`). */
  readonly locationHint: string | undefined;
  /** What the declaration's `settings` read from vars. */
  readonly settings: S;
}

function admission(prefix: string, declared: Partial<typeof DEFAULT_ADMISSION>, vars: Vars) {
  const d = { ...DEFAULT_ADMISSION, ...declared };
  return {
    maxConcurrency: integer(vars, `${prefix}_MAX_CONCURRENCY`, d.maxConcurrency, 1, 100_000),
    ratePerSecond: integer(vars, `${prefix}_RATE_PER_SECOND`, d.ratePerSecond, 1, 1_000_000),
    burst: integer(vars, `${prefix}_BURST`, d.burst, 1, 1_000_000),
    maxSojournMs: integer(vars, `${prefix}_MAX_SOJOURN_MS`, d.maxSojournMs, 0, 60_000),
    maxQueue: integer(vars, `${prefix}_MAX_QUEUE`, d.maxQueue, 0, 100_000),
  };
}

/**
 * A service supervisor's flags: `SUPERVISOR_INTENSITY` / `_PERIOD_MS` for every service, the
 * strategy from `<PREFIX>_SUPERVISOR_STRATEGY` over `SUPERVISOR_STRATEGY` (default
 * `one_for_one`). A per-entity service's strategies are fixed by its layout (`one_for_one`
 * over its partitions, `simple_one_for_one` in each), so the global strategy — set for the
 * sharded services, and in every `wrangler.toml` — passes it by, but a strategy set for it
 * by name is refused: it could never apply, and ignoring it would hide that.
 */
function supervisorFlags(
  name: string,
  prefix: string,
  placement: ResolvedPlacement,
  vars: Vars,
): SupervisorFlags {
  const ownVar = `${prefix}_SUPERVISOR_STRATEGY`;
  const own = vars[ownVar] === "" ? undefined : vars[ownVar];
  if (own !== undefined && placement.kind === "entity") {
    throw new Error(
      `${ownVar} cannot apply: ${name} places one object per entity, so its supervisors' ` +
        "strategies are fixed (one_for_one over its partitions, simple_one_for_one in each); unset it",
    );
  }
  const flags = parseFlags(
    {
      strategy: vars.SUPERVISOR_STRATEGY ?? "one_for_one",
      intensity: integer(vars, "SUPERVISOR_INTENSITY", 5, 0, 1000),
      periodMs: integer(vars, "SUPERVISOR_PERIOD_MS", 10_000, 1, 86_400_000),
    },
    "SUPERVISOR_",
  );
  if (own === undefined) return flags;
  return { ...flags, strategy: parseFlags({ strategy: own }, `${prefix}_SUPERVISOR_`).strategy };
}

/**
 * Fails start-up when the service's namespace binding is absent: without this check a
 * missing binding would surface as a TypeError on some later request.
 */
function requireBinding(name: string, binding: string, env: object): void {
  const namespace = (env as Record<string, unknown>)[binding];
  const usable =
    typeof namespace === "object" &&
    namespace !== null &&
    typeof (namespace as { idFromName?: unknown }).idFromName === "function";
  if (!usable) {
    throw new Error(
      `service ${name}: Durable Object binding ${binding} is missing from the environment ` +
        `(declare it under [[durable_objects.bindings]] in wrangler.toml)`,
    );
  }
}

/**
 * Applies `env`'s vars to a service definition, eagerly: a bad value, a missing binding or
 * a setting out of range throws with the var (or binding) and its limit named.
 */
export function resolveService<N extends string, B extends string, S>(
  definition: ServiceDefinition<Protocol, N, B, string, S>,
  env: object,
): ServiceConfig<N, B, S> {
  const vars = env as Vars;
  const { name, binding, varPrefix: prefix } = definition;
  requireBinding(name, binding, env);
  const placement = resolvePlacement(name, prefix, definition.placement, vars);
  const hint = vars[`${prefix}_LOCATION_HINT`];
  const regulated = (vars.REGULATION ?? "on") !== "off";
  return {
    name,
    binding,
    placement,
    shards: placement.kind === "sharded" ? placement.shards : null,
    flags: supervisorFlags(name, prefix, placement, vars),
    admission: regulated ? admission(prefix, definition.admission ?? {}, vars) : null,
    serviceTimeMs: integer(vars, `${prefix}_SERVICE_TIME_MS`, 0, 0, 10_000),
    locationHint: typeof hint === "string" && hint !== "" ? hint : undefined,
    settings: (definition.settings ? definition.settings(vars) : undefined) as S,
  };
}
