import { logEvent } from "../../core/log";
import type { FamilySnapshot, FamilySpec } from "../../core/metrics";
import { alarmManager, ROOT, SERVICES } from "../../durable-objects";
import { monitorName } from "../../durable-objects/visibility/metrics/batch";
import {
  FAMILIES,
  FAMILY_ORDER,
  MONITORED,
} from "../../durable-objects/visibility/metrics/catalog";
import { metricsConfig } from "../../durable-objects/visibility/metrics/config";
import { mergeFamilies } from "../../durable-objects/visibility/metrics/snapshot";

/**
 * One place `/metrics` reads families from. A `required` source failing fails the scrape;
 * an optional one's `families` (those it reads) are then exposed without samples.
 */
export interface MetricsSource {
  readonly name: string;
  readonly required: boolean;
  readonly families: readonly FamilySpec[];
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
const monitor: MetricsSource = {
  name: "monitor",
  required: true,
  families: MONITORED,
  read: monitorFamilies,
};

/** `bulwark_service_up` from the root supervisor's state at scrape time. */
const serviceUp: MetricsSource = {
  name: "supervision",
  required: false,
  families: [FAMILIES.serviceUp],
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
  families: [FAMILIES.alarmsActive, FAMILIES.notifications],
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

/** A family with no series, whatever its type (an empty list fits every kind of series). */
const withoutSamples = (spec: FamilySpec): FamilySnapshot =>
  ({ spec, series: [] }) as FamilySnapshot;

/**
 * Reads every source in parallel and merges their families in catalog order, with
 * `bulwark_scrape_source_success` saying which sources answered. A required source that
 * fails fails the scrape. An optional one is logged, and its families are exposed without
 * samples: every family of the contract is in every scrape, and none shows a guessed value
 * (as node_exporter's `node_scrape_collector_success` tells a failed collector).
 */
export async function collectFamilies(
  env: Cloudflare.Env,
  sources: readonly MetricsSource[] = METRICS_SOURCES,
): Promise<FamilySnapshot[]> {
  const results = await Promise.allSettled(sources.map((source) => source.read(env)));
  const families: FamilySnapshot[] = [];
  const answered = results.map((result, i) => {
    const source = sources[i] as MetricsSource;
    if (result.status === "fulfilled") {
      families.push(...result.value);
      return { labels: { source: source.name }, value: 1 };
    }
    if (source.required) throw result.reason;
    logEvent("warn", "metrics-source-failed", {
      source: source.name,
      error: String(result.reason),
    });
    families.push(...source.families.map(withoutSamples));
    return { labels: { source: source.name }, value: 0 };
  });
  families.push({ spec: FAMILIES.scrapeSourceSuccess, series: answered });
  const rank = (f: FamilySnapshot) => FAMILY_ORDER.indexOf(f.spec.name);
  return families.sort((a, b) => rank(a) - rank(b));
}
