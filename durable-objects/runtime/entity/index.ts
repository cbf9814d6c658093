/**
 * Per-entity placement: one actor per key, active while it has messages, listed by a
 * `simple_one_for_one` supervisor only while active, passivated after `idleTimeoutMs`.
 */
export { EntityLifecycle, type EntitySupervisorRpc } from "./entity-lifecycle";
export { IDLE_SLACK_MAX_MS, IDLE_TIMER, IdleClock, RETENTION_TIMER } from "./idle-clock";
export { entityPartition, entityPartitions } from "./partition";
