import { logEvent } from "../../core/log";
import type { FamilySnapshot } from "../../core/metrics";
import { alarmManager, ROOT, SERVICES } from "../../durable-objects";
import { monitorName } from "../../durable-objects/visibility/metrics/batch";
import { FAMILIES, FAMILY_ORDER } from "../../durable-objects/visibility/metrics/catalog";
import { metricsConfig } from "../../durable-objects/visibility/metrics/config";
import { mergeFamilies } from "../../durable-objects/visibility/metrics/snapshot";

/** One place `/metrics` reads families from. A `required` source failing fails the scrape. */
export interface MetricsSource {
  readonly name: string;
  readonly required: boolean;
  read(env: Cloudflare.Env): Promise<FamilySnapshot[]>;
}

/**
 * The deployment's counters, histograms and admission gauges: the snapshots of its
 * `METRICS_MONITORS` monitors, read in parallel and summed (`mergeFamilies`). Each reporter
 * flushes to one of them, so one that does not answer fails the read: a part is not the sum.
 */
export async function monitorFamilies(env: Cloudflare.Env): Promise<FamilySnapshot[]> {
  const { monitors } = metricsConfig(env);
  const snapshots = await Promise.all(
    Array.from({ length: monitors }, (_, i) =>
      env.METRICS.get(env.METRICS.idFromName(monitorName(i))).snapshot(),
    ),
  );
  return mergeFamilies(snapshots);
}

/** Counters, histograms and admission gauges aggregated by the deployment's monitors. */
const monitor: MetricsSource = { name: "monitor", required: true, read: monitorFamilies };

/** `bulwark_service_up` from the root supervisor's state at scrape time. */
const serviceUp: MetricsSource = {
  name: "supervision",
  required: false,
  async read(env) {
    const down = await env.SUPERVISOR.get(env.SUPERVISOR.idFromName(ROOT)).downChildren();
    const series = SERVICES.map((service) => ({
      labels: { service },
      value: down.includes(service) ? 0 : 1,
    }));
    return [{ spec: FAMILIES.serviceUp, series }];
  },
};

/** `bulwark_alarms_active` and `bulwark_notifications_total` from the alarm manager (`ALARMS`). */
const alarms: MetricsSource = {
  name: "alarms",
  required: false,
  async read(env) {
    const counts = await alarmManager(env).counts();
    const series = (values: Readonly<Record<string, number>>, label: string) =>
      Object.entries(values).map(([value, n]) => ({ labels: { [label]: value }, value: n }));
    return [
      { spec: FAMILIES.alarmsActive, series: series(counts.active, "severity") },
      { spec: FAMILIES.notifications, series: series(counts.notifications, "outcome") },
    ];
  },
};

/** Every source of `/metrics`; a new one is one entry here. */
export const METRICS_SOURCES: readonly MetricsSource[] = [monitor, serviceUp, alarms];

/**
 * Reads every source in parallel and merges their families in catalog order. An optional
 * source that fails is left out of this scrape (and logged); a required one fails it.
 */
export async function collectFamilies(
  env: Cloudflare.Env,
  sources: readonly MetricsSource[] = METRICS_SOURCES,
): Promise<FamilySnapshot[]> {
  const results = await Promise.allSettled(sources.map((source) => source.read(env)));
  const families: FamilySnapshot[] = [];
  results.forEach((result, i) => {
    const source = sources[i] as MetricsSource;
    if (result.status === "fulfilled") families.push(...result.value);
    else if (source.required) throw result.reason;
    else
      logEvent("warn", "metrics-source-failed", {
        source: source.name,
        error: String(result.reason),
      });
  });
  const rank = (f: FamilySnapshot) => FAMILY_ORDER.indexOf(f.spec.name);
  return families.sort((a, b) => rank(a) - rank(b));
}
