import type { CounterDelta, GaugeReport, HistogramDelta } from "../../../core/metrics";
import { hashKey, jumpHash } from "../../../core/sharding";

/**
 * What a reporter (an edge isolate, an actor, a supervisor) sends the monitor: the deltas it
 * aggregated since its previous batch, and optionally its current gauge values.
 *
 * `source` is random per reporter instance and `seq` counts its batches from 1. A reporter
 * sends one batch at a time and resends the same batch (same `seq`) until the monitor
 * acknowledges it; the monitor applies a batch only if its `seq` is above the last one it
 * applied for that source. So a batch whose answer was lost is never counted twice, and new
 * deltas never ride in a batch that might already have been applied.
 */
export interface MetricsBatch {
  readonly source: string;
  readonly seq: number;
  /** When the reporter cut the batch (epoch ms); refusal windows are placed by it. */
  readonly at: number;
  readonly counters: readonly CounterDelta[];
  readonly histograms: readonly HistogramDelta[];
  /**
   * Gauges are latest values, not deltas: keyed by a stable `reporter` name (an object's
   * name, which survives its evictions), and summed over reporters at scrape time.
   */
  readonly gauges?: { readonly reporter: string; readonly values: readonly GaugeReport[] };
}

/** A refusal count per service over the recent window (what the overload alarm polls). */
export interface LoadSignal {
  readonly service: string;
  readonly refusals: number;
  readonly windowMs: number;
}

/**
 * The name of a deployment's monitor 0, the one object there was before the monitor was
 * sharded (`METRICS_MONITORS`): it keeps the name so the counters it holds stay visible.
 */
export const MONITOR_NAME = "deployment";

/** The object name of monitor `index` (0-based): `deployment`, then `deployment-1`, … */
export function monitorName(index: number): string {
  return index === 0 ? MONITOR_NAME : `${MONITOR_NAME}-${index}`;
}

/**
 * The monitor (0 to `monitors` − 1) a reporter routed by `key` sends every batch to: jump
 * consistent hashing of the key, so raising the count moves only the reporters the new
 * monitors take. A reporter fixes it when created; a source never splits its batches.
 */
export function monitorIndexOf(key: string, monitors: number): number {
  return jumpHash(hashKey(key), monitors);
}
