/**
 * Admission control with the semantics of Ulf Wiger's `jobs` and safetyvalve: counter and
 * rate regulators, a bounded FIFO wait with sojourn limits, and per-client rate limiting
 * (token leasing, so the edge spends most tokens without a round trip).
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
export { HeldLease } from "./held-lease";
export type { KeyedRateLimiterOptions, KeyedTakeResult } from "./keyed-rate-limiter";
export { KeyedRateLimiter, TokenBucketMap } from "./keyed-rate-limiter";
export type { TokenBucketOptions } from "./token-bucket";
export { TokenBucket } from "./token-bucket";
export type {
  LeaseBucket,
  LeaseGrant,
  LeasePolicy,
  LeasePolicyOptions,
  LeaseRequest,
} from "./token-lease";
export { grantLease, leasePolicy, refillBucket, withheldBound } from "./token-lease";
export { requireInteger, requireNonNegative, requirePositive } from "./validate";
