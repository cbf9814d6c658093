import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FamilySnapshot, HistogramSeries, ValueSeries } from "../../core/metrics";
import { pollLoadSignals, sumLoadSignals } from "../../durable-objects/visibility/alarms/signals";
import {
  type MetricsBatch,
  MONITOR_NAME,
  monitorIndexOf,
  monitorName,
} from "../../durable-objects/visibility/metrics/batch";
import { FAMILIES, MONITORED } from "../../durable-objects/visibility/metrics/catalog";
import { metricsConfig } from "../../durable-objects/visibility/metrics/config";
import { MetricsReporter, monitorOf } from "../../durable-objects/visibility/metrics/reporter";
import { mergeFamilies, toFamilies } from "../../durable-objects/visibility/metrics/snapshot";
import { monitorFamilies } from "../../workers/visibility/sources";
import { unique } from "../runtime/helpers";
import { sample, scrape, settledScrape, TEST_BUDGET_MS } from "./scrape";

const MONITORS = metricsConfig(env).monitors;
const monitorAt = (index: number) => env.METRICS.get(env.METRICS.idFromName(monitorName(index)));

const valueIn = (families: readonly FamilySnapshot[], family: string, labels = {}) =>
  (families.find((f) => f.spec.name === family)?.series as ValueSeries[] | undefined)?.find(
    (s) => JSON.stringify(s.labels) === JSON.stringify(labels),
  )?.value ?? 0;

const histogramOf = (families: readonly FamilySnapshot[], family: string, labels = {}) =>
  (families.find((f) => f.spec.name === family)?.series as HistogramSeries[] | undefined)?.find(
    (s) => JSON.stringify(s.labels) === JSON.stringify(labels),
  );

const overloaded = (service: string, source: string, at: number, value: number): MetricsBatch => ({
  source,
  seq: 1,
  at,
  counters: [{ family: FAMILIES.shed.name, labels: { service, reason: "overloaded" }, value }],
  histograms: [],
});

describe("mergeFamilies", () => {
  const bounds = FAMILIES.actorDuration.buckets;
  const counts = (at: number, n: number) => bounds.map((_, i) => (i === at ? n : 0)).concat(0);
  const monitor = (rows: Parameters<typeof toFamilies>[1]) => toFamilies(MONITORED, rows);

  it("sums counters and gauges per label set and histograms bucket by bucket, in catalog order", () => {
    const a = monitor({
      counters: [
        { family: FAMILIES.holds.name, labels: { outcome: "placed" }, value: 3 },
        { family: FAMILIES.unitsSold.name, labels: {}, value: 5 },
      ],
      histograms: [
        {
          family: FAMILIES.actorDuration.name,
          labels: { service: "inventory" },
          counts: counts(0, 2),
          sum: 0.002,
        },
      ],
      gauges: [{ family: FAMILIES.inFlight.name, labels: { service: "inventory" }, value: 4 }],
    });
    const b = monitor({
      counters: [
        { family: FAMILIES.holds.name, labels: { outcome: "placed" }, value: 4 },
        { family: FAMILIES.holds.name, labels: { outcome: "expired" }, value: 1 },
      ],
      histograms: [
        {
          family: FAMILIES.actorDuration.name,
          labels: { service: "inventory" },
          counts: counts(0, 1),
          sum: 0.001,
        },
        {
          family: FAMILIES.actorDuration.name,
          labels: { service: "inventory" },
          counts: counts(3, 5),
          sum: 0.5,
        },
      ],
      gauges: [{ family: FAMILIES.inFlight.name, labels: { service: "inventory" }, value: 2 }],
    });
    const merged = mergeFamilies([a, b, monitor({ counters: [], histograms: [], gauges: [] })]);
    expect(merged.map((f) => f.spec.name)).toEqual(MONITORED.map((spec) => spec.name));
    expect(valueIn(merged, FAMILIES.holds.name, { outcome: "placed" })).toBe(7);
    expect(valueIn(merged, FAMILIES.holds.name, { outcome: "expired" })).toBe(1);
    expect(valueIn(merged, FAMILIES.unitsSold.name)).toBe(5);
    expect(valueIn(merged, FAMILIES.inFlight.name, { service: "inventory" })).toBe(6);
    // b's second row for the same labels replaced its first (toFamilies), then a's added.
    const latency = histogramOf(merged, FAMILIES.actorDuration.name, { service: "inventory" });
    expect(latency?.counts).toEqual(counts(0, 2).map((n, i) => n + (counts(3, 5)[i] ?? 0)));
    expect(latency?.sum).toBeCloseTo(0.502);
    // A seeded series appears once, at 0, wherever no monitor counted it.
    const held = merged.find((f) => f.spec.name === FAMILIES.holds.name)?.series ?? [];
    expect(held.filter((s) => s.labels.outcome === "released")).toEqual([
      { labels: { outcome: "released" }, value: 0 },
    ]);
    // Series keep the order of the first snapshot (seeds first), so merging one is identity.
    const labelsOf = (families: FamilySnapshot[]) =>
      families.map((f) => f.series.map((s) => s.labels));
    expect(labelsOf(mergeFamilies([a]))).toEqual(labelsOf(a));
    expect(mergeFamilies([])).toEqual([]);
  });

  it("sums load signals per service across monitors", () => {
    const signal = (service: string, refusals: number) => ({ service, refusals, windowMs: 10 });
    expect(
      sumLoadSignals([
        [signal("inventory", 2), signal("orders", 0)],
        [signal("inventory", 3), signal("orders", 1), signal("sessions", 4)],
      ]),
    ).toEqual([signal("inventory", 5), signal("orders", 1), signal("sessions", 4)]);
  });
});

describe("sharded monitors", { timeout: TEST_BUDGET_MS }, () => {
  it("runs the tests with several monitors, named from the deployment's one, validated", () => {
    expect(MONITORS).toBeGreaterThan(1);
    expect(monitorName(0)).toBe(MONITOR_NAME);
    expect(monitorName(3)).toBe(`${MONITOR_NAME}-3`);
    expect(metricsConfig({}).monitors).toBe(8);
    expect(() => metricsConfig({ METRICS_MONITORS: "0" })).toThrow(
      "METRICS_MONITORS must be an integer from 1 to 64",
    );
    expect(() => metricsConfig({ METRICS_MONITORS: "65" })).toThrow("METRICS_MONITORS");
  });

  it("routes a reporter by its source id (by its name when it reports gauges), the same monitor at every flush", () => {
    const reporter = new MetricsReporter({ name: "edge", monitor: monitorOf(env), flushMs: 100 });
    expect(reporter.routeKey).not.toBe("edge");
    const other = new MetricsReporter({ name: "edge", monitor: monitorOf(env), flushMs: 100 });
    expect(other.routeKey).not.toBe(reporter.routeKey);
    const shard = new MetricsReporter({
      name: "inventory-7",
      monitor: monitorOf(env),
      flushMs: 100,
      gauges: () => [],
    });
    expect(shard.routeKey).toBe("inventory-7");
    // Many sources spread over every monitor.
    const used = new Set(
      Array.from({ length: 400 }, () => monitorIndexOf(crypto.randomUUID(), MONITORS)),
    );
    expect(used.size).toBe(MONITORS);
  });

  it("reporters with different sources land on different monitors and /metrics sums them exactly", async () => {
    const reporters: MetricsReporter[] = [];
    const indexes = new Set<number>();
    while (indexes.size < 2) {
      const reporter = new MetricsReporter({
        name: "edge",
        monitor: monitorOf(env),
        flushMs: 100,
      });
      const index = monitorIndexOf(reporter.routeKey, MONITORS);
      if (indexes.has(index)) continue;
      indexes.add(index);
      reporters.push(reporter);
    }
    const [first, second] = reporters as [MetricsReporter, MetricsReporter];
    const [a, b] = [...indexes] as [number, number];
    const returned = FAMILIES.unitsReturned.name;
    const duration = FAMILIES.actorDuration.name;
    const labels = { service: "sessions" };
    const before = await settledScrape([returned]);
    const merged = await monitorFamilies(env);
    const own = await Promise.all([monitorAt(a).snapshot(), monitorAt(b).snapshot()]);

    first.deltas.inc(returned, {}, 3);
    first.deltas.observe(duration, labels, FAMILIES.actorDuration.buckets, 0.002);
    second.deltas.inc(returned, {}, 4);
    second.deltas.observe(duration, labels, FAMILIES.actorDuration.buckets, 0.3);
    expect(await first.flush()).toBe(true);
    expect(await second.flush()).toBe(true);

    // Each reporter's batch went to its own monitor only.
    const ownAfter = await Promise.all([monitorAt(a).snapshot(), monitorAt(b).snapshot()]);
    expect(valueIn(ownAfter[0], returned) - valueIn(own[0], returned)).toBe(3);
    expect(valueIn(ownAfter[1], returned) - valueIn(own[1], returned)).toBe(4);
    // Every reader sums them: /metrics, and the merged snapshot's histogram buckets.
    const after = (await scrape()).families;
    expect((sample(after, returned) ?? 0) - (sample(before, returned) ?? 0)).toBe(7);
    const mergedAfter = await monitorFamilies(env);
    const was = histogramOf(merged, duration, labels);
    const is = histogramOf(mergedAfter, duration, labels);
    const added = is?.counts.map((n, i) => n - (was?.counts[i] ?? 0));
    expect(added?.reduce((x, y) => x + y, 0)).toBe(2);
    expect(added?.filter((n) => n === 1)).toHaveLength(2);
    expect((is?.sum ?? 0) - (was?.sum ?? 0)).toBeCloseTo(0.302);
  });

  it("the overload alarm's poll sums refusals across monitors, and fails when one does not answer", async () => {
    const now = Date.now();
    const refusals = (signals: Awaited<ReturnType<typeof pollLoadSignals>>) =>
      signals.find((s) => s.service === "orders")?.refusals ?? 0;
    const before = await pollLoadSignals(env, now);
    await monitorAt(0).ingest(overloaded("orders", unique("poll-a-"), now, 2));
    await monitorAt(MONITORS - 1).ingest(overloaded("orders", unique("poll-b-"), now, 5));
    const after = await pollLoadSignals(env, now);
    expect(refusals(after) - refusals(before)).toBe(7);
    expect(after.map((s) => s.service)).toEqual(before.map((s) => s.service));

    // One monitor unreachable: the poll throws rather than answer a partial sum.
    const down = monitorName(MONITORS - 1);
    const names = new Map<DurableObjectId, string>();
    const METRICS = {
      idFromName(name: string) {
        const id = env.METRICS.idFromName(name);
        names.set(id, name);
        return id;
      },
      get(id: DurableObjectId) {
        if (names.get(id) === down) {
          return { loadSignals: () => Promise.reject(new Error("monitor unreachable")) };
        }
        return env.METRICS.get(id);
      },
    };
    const partial = { ...env, METRICS } as unknown as Cloudflare.Env;
    await expect(pollLoadSignals(partial, now)).rejects.toThrow("monitor unreachable");
  });
});
