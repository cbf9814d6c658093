/**
 * Bulwark's runtime: "OTP for Durable Objects". Actors with atomic messages and
 * let-it-crash restarts, supervisors with OTP restart semantics, timers, idempotency,
 * admission control and telemetry. No business logic lives here.
 *
 * This index is the public surface a service author uses: `Actor`, `read`/`write`/`saga`,
 * `ok`/`fail`/`Result`, `defineService` and its types, the router, supervisor types and
 * `DueTimer`. Two more entries are public: `runtime/service` (the declarations alone,
 * platform-free, importable from Node) and `runtime/testing` (helpers for workerd tests).
 * Everything else — lifecycle, timer store, idempotency records, saga runner, admission
 * gate — is internal; `test/scripts/runtime-boundary.test.ts` fails on any import of it
 * from outside the runtime.
 */
export { Actor, type ActorInspection, type ExitReport, type SupervisorLink } from "./actor";
export { ActorRef, type ActorRpc } from "./actor-ref";
export {
  type CallDelivery,
  type CallMeta,
  type CommandContext,
  type Commands,
  type Protocol,
  read,
  type SagaContext,
  saga,
  type WriteCommandOptions,
  type WriteOptions,
  write,
} from "./commands";
export { entityPartition, entityPartitions } from "./entity";
export type { FaultKind, FaultSpec } from "./faults";
export { DEFAULT_IDEMPOTENCY_TTL_MS, type IdempotencyLookup } from "./idempotency";
export { objectName } from "./object-name";
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
export {
  type CounterLabels,
  provideTelemetry,
  type TelemetryEvent,
  type TelemetryProvider,
  type TelemetrySink,
  telemetryProvider,
} from "./telemetry";
export type { DueTimer, Timers } from "./timers";
