import { alarmId } from "../../../core/alarms";
import { logEvent } from "../../../core/log";
import { ROOT } from "../../supervision/tree";
import { MONITOR_NAME } from "../metrics/batch";
import type { AlarmStore } from "./store";

/** What the metrics monitor reports per service: refusals for load within its window. */
export interface LoadSignal {
  readonly service: string;
  readonly refusals: number;
  readonly windowMs: number;
}

interface LoadSource {
  loadSignals(now?: number): Promise<LoadSignal[]>;
}

interface RootSupervisor {
  downChildren(): Promise<string[]>;
  restartChild(id: string): Promise<{ status: string } | null>;
}

function named<T>(env: Cloudflare.Env, binding: string, name: string): T | null {
  const ns = (env as unknown as Record<string, DurableObjectNamespace | undefined>)[binding];
  if (!ns || typeof ns.idFromName !== "function") return null;
  return ns.get(ns.idFromName(name)) as unknown as T;
}

/**
 * Load signals from the metrics monitor (binding `METRICS`, object `deployment`), when the
 * deployment has one; none otherwise. A failed poll is logged and skipped: it must not stop
 * the timer that also clears alarms and runs recoveries.
 */
export async function pollLoadSignals(env: Cloudflare.Env, now: number): Promise<LoadSignal[]> {
  const monitor = named<LoadSource>(env, "METRICS", MONITOR_NAME);
  if (!monitor) return [];
  try {
    return await monitor.loadSignals(now);
  } catch (error) {
    logEvent("warn", "load-signals-unavailable", { error: (error as Error).message });
    return [];
  }
}

/** Services the root supervisor marks down whose `service-down` alarm is not active. */
export async function reconcileDownServices(
  env: Cloudflare.Env,
  store: AlarmStore,
): Promise<string[]> {
  const root = named<RootSupervisor>(env, "SUPERVISOR", ROOT);
  if (!root) return [];
  try {
    const down = await root.downChildren();
    return down.filter((service) => store.alarm(alarmId("service-down", service)) === null);
  } catch (error) {
    logEvent("warn", "supervision-unavailable", { error: (error as Error).message });
    return [];
  }
}

/** Restarts `service` through the root supervisor (the admin restart's path). */
export async function recoverService(
  env: Cloudflare.Env,
  service: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const root = named<RootSupervisor>(env, "SUPERVISOR", ROOT);
  if (!root) return { ok: false, error: "no SUPERVISOR binding" };
  try {
    const child = await root.restartChild(service);
    if (child === null) return { ok: false, error: `${service} is not supervised` };
    return child.status === "running"
      ? { ok: true }
      : { ok: false, error: `${service} is ${child.status}` };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
