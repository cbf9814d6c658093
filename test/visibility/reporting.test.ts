import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { InventoryShard } from "../../durable-objects";
import {
  ActorMetricsSink,
  actorMetricsSink,
} from "../../durable-objects/visibility/metrics/actor-sink";
import type { MetricsBatch } from "../../durable-objects/visibility/metrics/batch";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { metricsConfig } from "../../durable-objects/visibility/metrics/config";
import {
  MetricsReporter,
  type MonitorRpc,
} from "../../durable-objects/visibility/metrics/reporter";
import worker from "../../workers";
import { unique } from "../runtime/helpers";
import { http, inventoryShard, putSku, uniqueSku } from "../workers/client";
import { sample, scrapeUntil, settledScrape, TEST_BUDGET_MS } from "./scrape";

const privateMonitor = () => env.METRICS.get(env.METRICS.idFromName(unique("monitor-")));
const holdsPlaced = (stub: ReturnType<typeof privateMonitor>) =>
  stub.snapshot().then((families) => {
    const holds = families.find((f) => f.spec.name === FAMILIES.holds.name);
    const series = (holds?.series ?? []) as { labels: Record<string, string>; value: number }[];
    return series.find((s) => s.labels.outcome === "placed")?.value;
  });

describe("MetricsReporter", { timeout: TEST_BUDGET_MS }, () => {
  it("survives a failed flush: nothing thrown, logged, the same batch resent and counted once", async () => {
    const real = privateMonitor();
    const seen: MetricsBatch[] = [];
    let mode: "down" | "answer-lost" | "up" = "down";
    const monitor: MonitorRpc = {
      async ingest(batch) {
        seen.push(batch);
        if (mode === "down") throw new Error("monitor unreachable");
        const answer = await real.ingest(batch);
        if (mode === "answer-lost") throw new Error("connection reset after the write");
        return answer;
      },
    };
    const warn = vi.spyOn(console, "warn");
    const reporter = new MetricsReporter({ name: "test", monitor: () => monitor, flushMs: 100 });
    reporter.deltas.inc(FAMILIES.holds.name, { outcome: "placed" }, 2);
    expect(await reporter.flush()).toBe(false);
    expect(
      warn.mock.calls.some(([line]) => String(line).includes('"event":"metrics-flush-failed"')),
    ).toBe(true);
    reporter.deltas.inc(FAMILIES.holds.name, { outcome: "placed" }, 5); // waits for the next batch
    mode = "answer-lost";
    expect(await reporter.flush()).toBe(false);
    mode = "up";
    expect(await reporter.flush()).toBe(true); // the resend of an applied batch: acknowledged, no effect
    expect(await reporter.flush()).toBe(true); // then the deltas recorded meanwhile
    expect(seen.map((b) => b.seq)).toEqual([1, 1, 1, 2]);
    expect(await holdsPlaced(real)).toBe(7);
    warn.mockRestore();
  });

  it("reports a load that does not change again while it lasts, so a busy shard that completes nothing never reads as idle", async () => {
    const batches: MetricsBatch[] = [];
    let load = 8;
    const reporter = new MetricsReporter({
      name: "stuck-shard",
      monitor: () => ({
        ingest: async (batch) => {
          batches.push(batch);
          return { applied: true };
        },
      }),
      flushMs: 100,
      gauges: () => [{ family: FAMILIES.inFlight.name, labels: { service: "t" }, value: load }],
      gaugeRefreshMs: 150,
    });
    reporter.deltas.inc(FAMILIES.holds.name, { outcome: "placed" });
    reporter.schedule(); // one message, then none: its commands are stuck
    await new Promise((resolve) => setTimeout(resolve, 900));
    const loaded = batches.filter((b) => b.gauges?.values[0]?.value === 8);
    expect(loaded.length).toBeGreaterThanOrEqual(3);
    for (const [i, batch] of loaded.entries()) {
      if (i > 0) expect(batch.at - (loaded[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(150);
    }
    load = 0; // the stuck commands end: the zero is reported once, then the heartbeat stops
    await new Promise((resolve) => setTimeout(resolve, 400));
    const sent = batches.length;
    expect(batches.at(-1)?.gauges?.values[0]?.value).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(batches.length).toBe(sent);
  });

  it("ends every flush even when the monitor never answers, so a hung call cannot hold a request's waitUntil", async () => {
    const reporter = new MetricsReporter({
      name: "test",
      monitor: () => ({ ingest: () => new Promise<never>(() => {}) }),
      flushMs: 100,
      maxFailures: 1,
    });
    reporter.deltas.inc(FAMILIES.holds.name, { outcome: "placed" });
    const startedAt = Date.now();
    await reporter.schedule();
    expect(Date.now() - startedAt).toBeLessThan(5000);
    // The next flush does not wait on a predecessor that never settles either.
    reporter.deltas.inc(FAMILIES.holds.name, { outcome: "placed" });
    await reporter.schedule();
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it("keeps flushing when a request's flush waited on one begun by another request that has since ended", async () => {
    // Two requests of one isolate share its reporter (as the edge's do). The first one's
    // flush is still sending (slowly) when the second records, so the second's flush queues
    // behind it; then the first request ends. Its flush must not take the second's with it,
    // nor leave the reporter thinking a flush is pending forever.
    const name = unique("monitor-");
    const monitor = env.METRICS.get(env.METRICS.idFromName(name));
    const fixture = (exports as unknown as { ReporterRequests: Fetcher }).ReporterRequests;
    const request = () =>
      fixture.fetch(`http://fixture/?monitor=${name}&slowMs=300`).then((r) => r.text());
    expect(await request()).toBe("scheduled");
    await scheduler.wait(100);
    expect(await request()).toBe("scheduled");
    await expect.poll(() => holdsPlaced(monitor), { timeout: 5000 }).toBe(2);
    expect(await request()).toBe("scheduled"); // a later request starts a flush of its own
    await expect.poll(() => holdsPlaced(monitor), { timeout: 5000 }).toBe(3);
  });

  it("schedule() flushes on its own and never rejects, even when every flush fails", async () => {
    const reporter = new MetricsReporter({
      name: "test",
      monitor: () => ({ ingest: () => Promise.reject(new Error("down")) }),
      flushMs: 100,
      maxFailures: 2,
    });
    reporter.deltas.inc(FAMILIES.holds.name, { outcome: "placed" });
    await expect(reporter.schedule()).resolves.toBeUndefined();
    expect(reporter.schedule()).not.toBeNull(); // stopped after 2 failures; a record restarts it
  });
});

describe("counters across evictions", { timeout: TEST_BUDGET_MS }, () => {
  it("a shard evicted and revived reports again under a new source: counters keep rising", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const placed = (f: Awaited<ReturnType<typeof settledScrape>>) =>
      sample(f, FAMILIES.holds.name, { outcome: "placed" }) ?? 0;
    expect((await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } })).status).toBe(
      201,
    );
    const before = await settledScrape([FAMILIES.holds.name]);
    // A new instance over the same storage, as after an eviction: a new reporter, seq from 1.
    await runInDurableObject(inventoryShard(sku), async (_instance, state) => {
      const revived = new InventoryShard(state, env);
      const reply = await revived.call("placeHold", { sku, quantity: 1, ttlSeconds: 60 });
      expect(reply.ok).toBe(true);
    });
    const after = await scrapeUntil((f) => placed(f) > placed(before));
    expect(placed(after) - placed(before)).toBe(1);
  });
});

describe("queue consumers", { timeout: TEST_BUDGET_MS }, () => {
  it("count acked messages per queue and dead-lettered ones taken off each DLQ, for the queue they came from", async () => {
    const count = (f: Awaited<ReturnType<typeof settledScrape>>, outcome: string) =>
      sample(f, FAMILIES.queueMessages.name, { queue: "bulwark-orders", outcome }) ?? 0;
    const before = await settledScrape([FAMILIES.queueMessages.name]);
    const run = async (queue: string, bodies: unknown[]) => {
      const batch = createMessageBatch(
        queue,
        bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
      );
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      return getQueueResult(batch, ctx);
    };
    const malformed = await run("bulwark-orders", [{ not: "an order" }, "junk"]);
    expect(malformed.explicitAcks).toHaveLength(2);
    const orphan = {
      orderId: unique("o_missing"),
      items: [{ sku: "x", quantity: 1 }],
      fingerprint: "f",
      enqueuedAt: 0,
    };
    const dead = await run("bulwark-orders-dlq", [orphan]);
    expect(dead.explicitAcks).toHaveLength(1);
    expect((await run("bulwark-notifications-dlq", ["junk"])).explicitAcks).toHaveLength(1);
    const notifications = (f: Awaited<ReturnType<typeof settledScrape>>) =>
      sample(f, FAMILIES.queueMessages.name, {
        queue: "bulwark-notifications",
        outcome: "dead-lettered",
      }) ?? 0;
    const after = await scrapeUntil(
      (f) =>
        count(f, "dead-lettered") > count(before, "dead-lettered") &&
        notifications(f) > notifications(before),
    );
    expect(count(after, "acked") - count(before, "acked")).toBe(2);
    expect(count(after, "dead-lettered") - count(before, "dead-lettered")).toBe(1);
    expect(notifications(after) - notifications(before)).toBe(1);
  });
});

describe("Analytics Engine", () => {
  it("writes one data point per command to a configured dataset", () => {
    // A recording object stands in for the platform's write-only dataset: locally the real
    // binding (env.ANALYTICS, from wrangler.toml) accepts writes and discards them.
    const points: unknown[] = [];
    const recorder = { writeDataPoint: (point: unknown) => void points.push(point) };
    const reporter = new MetricsReporter({
      name: "t",
      monitor: () => privateMonitor(),
      flushMs: 100,
    });
    const sink = new ActorMetricsSink(reporter, recorder);
    sink.record({
      service: "orders",
      actor: "orders-3",
      command: "placeOrder",
      outcome: "ok",
      durationMs: 8,
      at: 0,
    });
    expect(points).toEqual([
      { blobs: ["orders", "placeOrder", "ok"], doubles: [8, 3], indexes: ["orders-3"] },
    ]);
    expect(typeof env.ANALYTICS.writeDataPoint).toBe("function");
  });

  it("skips Analytics Engine when no dataset is bound, and everything when VISIBILITY=off", async () => {
    await runInDurableObject(inventoryShard(uniqueSku()), async (_instance, state) => {
      const { ANALYTICS: _unbound, ...withoutAnalytics } = env;
      const sink = actorMetricsSink(state, withoutAnalytics as Cloudflare.Env, () => null);
      expect(sink).not.toBeNull();
      expect(() =>
        sink?.record({
          service: "inventory",
          actor: "inventory-0",
          command: "getSku",
          outcome: "ok",
          durationMs: 1,
          at: 0,
        }),
      ).not.toThrow();
      expect(actorMetricsSink(state, { ...env, VISIBILITY: "off" }, () => null)).toBeNull();
    });
  });

  it("validates the visibility vars eagerly, naming the field and its limit", () => {
    expect(() => metricsConfig({ VISIBILITY: "maybe" })).toThrow(
      'VISIBILITY must be "on" or "off"',
    );
    expect(() => metricsConfig({ METRICS_FLUSH_MS: "10" })).toThrow(
      "METRICS_FLUSH_MS must be an integer from 100 to 5000",
    );
  });
});

describe("business counters", () => {
  it("an unknown counter family is logged and dropped, never thrown into a committed command", () => {
    const reporter = new MetricsReporter({
      name: "t",
      monitor: () => privateMonitor(),
      flushMs: 100,
    });
    const sink = new ActorMetricsSink(reporter, undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => sink.count("bulwark_typo_total", {}, 1)).not.toThrow();
    expect(
      error.mock.calls.some(([line]) => String(line).includes('"event":"unknown-counter"')),
    ).toBe(true);
    expect(reporter.deltas.empty).toBe(true);
    error.mockRestore();
  });
});
