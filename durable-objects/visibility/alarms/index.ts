/** The alarm manager: its Durable Object, the names it is reached by, and its protocol. */
export type { ThresholdAlarm } from "./alarm-book";
export { AlarmManager, HISTORY_PAGE } from "./alarm-manager";
export {
  AUTOMATIONS,
  type AutomationName,
  alarmConfig,
  endpointOf,
  notifyConfig,
  signingConfig,
} from "./config";
export { DELIVERY_RETENTION, type Delivery } from "./delivery-log";
export * from "./protocol";
export { HISTORY_RETENTION } from "./store";

export { alarmManager } from "./stub";
