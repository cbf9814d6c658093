import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { labelKey } from "../../core/metrics";
import type { MetricsBatch } from "../../durable-objects/visibility/metrics/batch";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { unique } from "../runtime/helpers";

/** A fresh, private monitor per test (the deployment's one is `deployment`). */
const monitor = () => env.METRICS.get(env.METRICS.idFromName(unique("monitor-")));

const shed = (service: string, reason: string, value: number) => ({
  family: FAMILIES.shed.name,
  labels: { service, reason },
  value,
});

const batch = (source: string, seq: number, at: number, extra: Partial<MetricsBatch> = {}) =>
  ({ source, seq, at, counters: [], histograms: [], ...extra }) satisfies MetricsBatch;

const seriesValue = async (
  stub: ReturnType<typeof monitor>,
  family: string,
  labels: Record<string, string>,
) => {
  const families = await stub.snapshot();
  const found = families.find((f) => f.spec.name === family);
  const series = (found?.series ?? []) as { labels: Record<string, string>; value: number }[];
  return series.find((s) => labelKey(s.labels) === labelKey(labels))?.value;
};

describe("MetricsMonitor", () => {
  it("applies a batch once: a resend with the same seq counts nothing more", async () => {
    const stub = monitor();
    const first = batch("isolate-a", 1, Date.now(), { counters: [shed("orders", "queued", 3)] });
    expect(await stub.ingest(first)).toEqual({ applied: true });
    expect(await stub.ingest(first)).toEqual({ applied: false });
    expect(
      await seriesValue(stub, FAMILIES.shed.name, { service: "orders", reason: "queued" }),
    ).toBe(3);
    await stub.ingest(
      batch("isolate-a", 2, Date.now(), { counters: [shed("orders", "queued", 2)] }),
    );
    await stub.ingest(
      batch("isolate-b", 1, Date.now(), { counters: [shed("orders", "queued", 1)] }),
    );
    expect(
      await seriesValue(stub, FAMILIES.shed.name, { service: "orders", reason: "queued" }),
    ).toBe(6);
  });

  it("drops entries outside the catalog instead of storing them", async () => {
    const stub = monitor();
    await stub.ingest(
      batch("a", 1, Date.now(), {
        counters: [
          { family: "bulwark_unknown_total", labels: {}, value: 1 },
          { family: FAMILIES.holds.name, labels: { outcome: "placed", sku: "per-key" }, value: 1 },
          { family: FAMILIES.holds.name, labels: { outcome: "placed" }, value: -5 },
          { family: FAMILIES.holds.name, labels: { outcome: "placed" }, value: 2 },
        ],
      }),
    );
    expect(await seriesValue(stub, FAMILIES.holds.name, { outcome: "placed" })).toBe(2);
    const names = (await stub.snapshot()).map((f) => f.spec.name);
    expect(names).not.toContain("bulwark_unknown_total");
  });

  it("sums gauges over reporters and forgets a report older than the gauge TTL", async () => {
    const stub = monitor();
    const gauge = (reporter: string, value: number) =>
      batch(`${reporter}-src`, 1, Date.now(), {
        gauges: {
          reporter,
          values: [{ family: FAMILIES.inFlight.name, labels: { service: "inventory" }, value }],
        },
      });
    await stub.ingest(gauge("inventory-0", 2));
    await stub.ingest(gauge("inventory-1", 5));
    expect(await seriesValue(stub, FAMILIES.inFlight.name, { service: "inventory" })).toBe(7);
    const ttl = Number(env.METRICS_GAUGE_TTL_MS);
    const later = await stub.snapshot(Date.now() + ttl + 1);
    const inFlight = later.find((f) => f.spec.name === FAMILIES.inFlight.name);
    expect(inFlight?.series).toContainEqual({ labels: { service: "inventory" }, value: 0 });
  });

  it("loadSignals counts overloaded refusals per service within the window only", async () => {
    const stub = monitor();
    const now = Date.now();
    const windowMs = Number(env.LOAD_SIGNAL_WINDOW_MS);
    await stub.ingest(
      batch("s", 1, now - windowMs - 2000, { counters: [shed("inventory", "overloaded", 4)] }),
    );
    await stub.ingest(
      batch("s", 2, now, {
        counters: [
          shed("inventory", "overloaded", 3),
          shed("inventory", "queued", 9),
          shed("orders", "circuit-open", 9),
        ],
      }),
    );
    const signals = await stub.loadSignals(now);
    expect(signals).toEqual(
      expect.arrayContaining([
        { service: "inventory", refusals: 3, windowMs },
        { service: "orders", refusals: 0, windowMs },
      ]),
    );
    const afterwards = await stub.loadSignals(now + windowMs + 1000);
    expect(afterwards.find((s) => s.service === "inventory")?.refusals).toBe(0);
  });

  it("keeps counters across an eviction of the monitor", async () => {
    const stub = monitor();
    await stub.ingest(batch("e", 1, Date.now(), { counters: [shed("orders", "rate-limited", 4)] }));
    // A fresh object instance over the same storage, as after an eviction.
    await runInDurableObject(stub, async (_instance, state) => {
      const { MetricsMonitor } = await import("../../durable-objects/visibility/metrics/monitor");
      const revived = new MetricsMonitor(state, env);
      const families = await revived.snapshot();
      const series = families.find((f) => f.spec.name === FAMILIES.shed.name)?.series as {
        labels: Record<string, string>;
        value: number;
      }[];
      expect(
        series.find((s) => s.labels.reason === "rate-limited" && s.labels.service === "orders")
          ?.value,
      ).toBe(4);
    });
    // And a resend of the already-applied batch after the eviction still counts nothing.
    expect(
      await stub.ingest(
        batch("e", 1, Date.now(), { counters: [shed("orders", "rate-limited", 4)] }),
      ),
    ).toEqual({ applied: false });
  });
});

describe("the overload alarm's poll", () => {
  it("reads the deployment's monitor: refusals flushed there are what the alarm manager sees", async () => {
    const { pollLoadSignals } = await import("../../durable-objects/visibility/alarms/signals");
    const { MONITOR_NAME } = await import("../../durable-objects/visibility/metrics/batch");
    const now = Date.now();
    const before = await pollLoadSignals(env, now);
    const refusals = (signals: typeof before) =>
      signals.find((s) => s.service === "orders")?.refusals ?? 0;
    const deployment = env.METRICS.get(env.METRICS.idFromName(MONITOR_NAME));
    await deployment.ingest(
      batch(unique("poll-"), 1, now, { counters: [shed("orders", "overloaded", 3)] }),
    );
    expect(refusals(await pollLoadSignals(env, now)) - refusals(before)).toBe(3);
  });
});
