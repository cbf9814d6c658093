/** A serializable consecutive-failure circuit breaker for calls between actors. */
export type {
  BreakerOptions,
  BreakerPass,
  BreakerPermit,
  BreakerSnapshot,
  BreakerState,
} from "./breaker-types";
export { CircuitBreaker } from "./circuit-breaker";
