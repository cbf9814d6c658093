import { logEvent } from "../../../core/log";
import { ROOT } from "../../supervision/tree";
import { monitorName } from "../metrics/batch";
import { metricsConfig } from "../metrics/config";

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
  /** OTP's `restart_child`: `{ ok, started }`, or `{ error }` (`running` means it is up). */
  restartChild(
    id: string,
  ): Promise<{ ok: true; started: boolean } | { error: string; detail?: string }>;
}

function named<T>(env: Cloudflare.Env, binding: string, name: string): T | null {
  const ns = (env as unknown as Record<string, DurableObjectNamespace | undefined>)[binding];
  if (!ns || typeof ns.idFromName !== "function") return null;
  return ns.get(ns.idFromName(name)) as unknown as T;
}

/**
 * Load signals from the metrics monitors (binding `METRICS`, the `METRICS_MONITORS` objects
 * `monitorName(i)`), polled in parallel and summed per service, when the deployment has the
 * binding; none (`[]`) otherwise. One unreachable monitor throws: its reporters' refusals
 * are missing from the sum, "the poll failed" is not "no refusals", and the caller keeps the
 * overload state it had.
 */
export async function pollLoadSignals(env: Cloudflare.Env, now: number): Promise<LoadSignal[]> {
  if (!named<LoadSource>(env, "METRICS", monitorName(0))) return [];
  const { monitors } = metricsConfig(env);
  const polled = await Promise.all(
    Array.from({ length: monitors }, (_, i) =>
      (named<LoadSource>(env, "METRICS", monitorName(i)) as LoadSource).loadSignals(now),
    ),
  );
  return sumLoadSignals(polled);
}

/** Several monitors' signals as one: refusals summed per service, services in first-seen order. */
export function sumLoadSignals(polled: readonly (readonly LoadSignal[])[]): LoadSignal[] {
  const summed = new Map<string, LoadSignal>();
  for (const signals of polled) {
    for (const signal of signals) {
      const seen = summed.get(signal.service);
      summed.set(
        signal.service,
        seen ? { ...seen, refusals: seen.refusals + signal.refusals } : { ...signal },
      );
    }
  }
  return [...summed.values()];
}

/**
 * The services the root supervisor marks down; `null` when it cannot say (no binding, or
 * unreachable: logged), so nothing is raised or cleared on a guess.
 */
export async function downServices(env: Cloudflare.Env): Promise<string[] | null> {
  const root = named<RootSupervisor>(env, "SUPERVISOR", ROOT);
  if (!root) return null;
  try {
    return await root.downChildren();
  } catch (error) {
    logEvent("warn", "supervision-unavailable", { error: (error as Error).message });
    return null;
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
    const restarted = await root.restartChild(service);
    if (!("error" in restarted)) return { ok: true };
    if (restarted.error === "running") return { ok: true };
    const why = [restarted.error, restarted.detail].filter(Boolean).join(": ");
    return { ok: false, error: `${service} did not start: ${why}` };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
