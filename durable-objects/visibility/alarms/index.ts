/** The alarm manager: its Durable Object, the names it is reached by, and its protocol. */
export { AlarmManager, HISTORY_PAGE, type ThresholdAlarm } from "./alarm-manager";
export {
  AUTOMATIONS,
  type AutomationName,
  alarmConfig,
  endpointOf,
  notifyConfig,
  signingConfig,
} from "./config";
export * from "./protocol";
export { DELIVERY_RETENTION, type Delivery, HISTORY_RETENTION } from "./store";

export { alarmManager } from "./stub";
