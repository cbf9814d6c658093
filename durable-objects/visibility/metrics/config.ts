import { integer, onOff, type Vars } from "../../../core/config";

/** Visibility configuration, validated from `wrangler.toml` vars like `durable-objects/config.ts`. */
export interface MetricsConfig {
  /** `VISIBILITY` (`on` | `off`, default `on`): `off` records and flushes nothing (benchmarks). */
  readonly enabled: boolean;
  /** `METRICS_FLUSH_MS` (100–5000, default 1000): the most often one isolate or object flushes. */
  readonly flushMs: number;
  /** `METRICS_GAUGE_TTL_MS` (1000–600000, default 15000): a gauge report older than this is dropped. */
  readonly gaugeTtlMs: number;
  /** `LOAD_SIGNAL_WINDOW_MS` (1000–3600000, default 10000): the window `loadSignals` sums over. */
  readonly loadWindowMs: number;
  /**
   * `METRICS_MONITORS` (1–64, default 8): how many monitor objects share the reporters'
   * flushes; every reader (`/metrics`, the overload alarm's poll) reads and sums them all.
   */
  readonly monitors: number;
}

/** The most monitors a deployment may have (`METRICS_MONITORS`). */
export const MAX_MONITORS = 64;

const cache = new WeakMap<object, MetricsConfig>();

/** Parses the visibility vars once per `env`; a bad value fails loudly naming the field. */
export function metricsConfig(env: object): MetricsConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as Vars;
  const config: MetricsConfig = {
    enabled: onOff(vars, "VISIBILITY"),
    flushMs: integer(vars, "METRICS_FLUSH_MS", 1000, 100, 5000),
    gaugeTtlMs: integer(vars, "METRICS_GAUGE_TTL_MS", 15_000, 1000, 600_000),
    loadWindowMs: integer(vars, "LOAD_SIGNAL_WINDOW_MS", 10_000, 1000, 3_600_000),
    monitors: integer(vars, "METRICS_MONITORS", 8, 1, MAX_MONITORS),
  };
  cache.set(env, config);
  return config;
}
