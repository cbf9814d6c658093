/**
 * Bulwark's runtime: "OTP for Durable Objects". Actors with atomic messages and
 * let-it-crash restarts, supervisors with OTP restart semantics, timers, idempotency,
 * admission control and telemetry. No business logic lives here.
 */
export { Actor, type ActorInspection, type ExitReport, type SupervisorLink } from "./actor";
export { ActorRef, type ActorRpc } from "./actor-ref";
export {
  type CallMeta,
  type CommandContext,
  type Commands,
  type Protocol,
  read,
  type SagaContext,
  saga,
  type WriteOptions,
  write,
} from "./commands";
export { entityPartition, entityPartitions } from "./entity";
export type { FaultKind, FaultSpec } from "./faults";
export { DEFAULT_IDEMPOTENCY_TTL_MS } from "./idempotency";
export {
  type Failure,
  fail,
  type LoadReport,
  type Ok,
  ok,
  type Reply,
  type Result,
  RuntimeCodes,
} from "./result";
export * from "./service";
export { ServiceRouter, type ShardAddress } from "./service/router";
export { ServiceActor } from "./service/service-actor";
export { Sockets } from "./sockets";
export * from "./supervisor";
export type { CounterLabels, TelemetryEvent, TelemetrySink } from "./telemetry";
export type { DueTimer } from "./timers";
