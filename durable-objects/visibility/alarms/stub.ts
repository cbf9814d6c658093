import { ALARM_MANAGER } from "./protocol";

/** The alarm manager's stub (one well-known object), from any Worker or Durable Object. */
export const alarmManager = (env: Cloudflare.Env) =>
  env.ALARMS.get(env.ALARMS.idFromName(ALARM_MANAGER));
