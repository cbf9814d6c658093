/**
 * Admission control with the semantics of Ulf Wiger's `jobs` and safetyvalve: counter and
 * rate regulators, a bounded FIFO wait with sojourn limits, and per-client rate limiting.
 */
export { Admission } from "./admission";
export type {
  AdmissionOptions,
  AdmissionResult,
  AdmissionSnapshot,
  Admitted,
  RefusalReason,
  Refused,
} from "./admission-types";
export { CounterRegulator } from "./counter-regulator";
export type { KeyedRateLimiterOptions, KeyedTakeResult } from "./keyed-rate-limiter";
export { KeyedRateLimiter, TokenBucketMap } from "./keyed-rate-limiter";
export type { TokenBucketOptions } from "./token-bucket";
export { TokenBucket } from "./token-bucket";
