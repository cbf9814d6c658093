/** Alarms, pure: identities, the catalog of alarms, hysteresis and automation limits. */
export { alarmId, parseAlarmId } from "./alarm-id";
export { BackgroundCopy } from "./background-copy";
export {
  longestOrderRetryMs,
  ORDERS_RETRY_CAP_MS,
  orderRetryDelaySeconds,
  SLOW_INTAKE_RETRY_FACTOR,
} from "./backlog";
export {
  ALARMS,
  type AlarmDefinition,
  type AlarmKind,
  type AlarmName,
  definitionOf,
  isAlarmName,
} from "./catalog";
export { type ActionLimit, allowAction } from "./rate-limit";
export { ackBody, beforeQuery, MAX_NOTE_LENGTH } from "./schemas";
export {
  IDLE,
  observe,
  Threshold,
  type ThresholdState,
  type ThresholdStep,
  type ThresholdWindows,
} from "./threshold";
export * from "./types";
