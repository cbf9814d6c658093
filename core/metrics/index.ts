/**
 * Metrics, pure: label keys, histogram bucket arithmetic, in-memory delta aggregation, the
 * Prometheus text / OpenMetrics renderer with content negotiation, and the Analytics Engine
 * data point of a command. No platform imports: the monitor and the edge build on these.
 */
export { type AnalyticsPoint, type CommandFact, commandDataPoint, shardIndexOf } from "./analytics";
export {
  type CounterDelta,
  DeltaAggregator,
  type Deltas,
  type GaugeReport,
  type HistogramDelta,
} from "./delta";
export {
  CONTENT_TYPES,
  type ExpositionFormat,
  escapeLabelValue,
  formatValue,
  negotiate,
  renderExposition,
} from "./exposition";
export {
  addCounts,
  bucketIndex,
  cumulative,
  emptyCounts,
  LATENCY_BUCKETS_SECONDS,
} from "./histogram";
export { labelKey, labelsOf } from "./labels";
export type {
  FamilySnapshot,
  FamilySpec,
  HistogramSeries,
  Labels,
  MetricType,
  ValueSeries,
} from "./types";
