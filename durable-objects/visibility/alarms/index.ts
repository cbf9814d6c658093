/** The alarm manager: its Durable Object, the names it is reached by, and its protocol. */
export { AlarmManager, HISTORY_PAGE, type ThresholdAlarm } from "./alarm-manager";
export { AUTOMATIONS, type AutomationName, alarmConfig, endpointOf, notifyConfig } from "./config";
export * from "./protocol";
export { DELIVERY_RETENTION, type Delivery, HISTORY_RETENTION } from "./store";

/** The alarm manager's stub (one well-known object), from any Worker or Durable Object. */
export const alarmManager = (env: Cloudflare.Env) =>
  env.ALARMS.get(env.ALARMS.idFromName("alarms"));
