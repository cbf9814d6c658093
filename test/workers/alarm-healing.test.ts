import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alarmId } from "../../core/alarms";
import { alarmManager, NOTIFICATIONS_DLQ } from "../../durable-objects";
import type { AlarmManager } from "../../durable-objects/visibility/alarms/alarm-manager";
import {
  REPORT_ATTEMPTS,
  StockAlarmReporter,
} from "../../durable-objects/visibility/alarms/stock-alarms";
import { SOURCE_RETENTION_MS } from "../../durable-objects/visibility/metrics/store";
import { deadLetteredNotifications } from "../../workers/queue/notifications-consumer";
import { logsDuring } from "../log-lines";
import { eventsOf, isActive } from "./alarm-history";
import { http, uniqueSku } from "./client";

const alarms = () => alarmManager(env);
/** Explicit future times: the manager's own timer (real time) never lands in between. */
const T0 = Date.now() + 3_600_000;

/** Runs `run` on the alarm manager itself with some bindings or vars replaced. */
async function withEnv(changes: Record<string, unknown>, run: (m: AlarmManager) => Promise<void>) {
  await runInDurableObject(alarms(), async (instance: AlarmManager) => {
    const self = instance as unknown as { env: Cloudflare.Env };
    const original = self.env;
    self.env = { ...original, ...changes } as Cloudflare.Env;
    try {
      await run(instance);
    } finally {
      self.env = original;
    }
  });
}

describe("service-down and restart-intensity-exceeded heal when a clear was lost", () => {
  it("the cron clears both for every service the root reports up, and only those", async () => {
    const ghost = uniqueSku("ghost"); // the root does not know it: nothing is said about it
    for (const source of ["orders", ghost]) {
      await alarms().raise({ name: "service-down", source }, T0);
      await alarms().raise({ name: "restart-intensity-exceeded", source }, T0);
    }
    await alarms().evaluate(T0 + 1000);
    expect(await isActive(alarmId("service-down", "orders"))).toBe(false);
    expect(await isActive(alarmId("restart-intensity-exceeded", "orders"))).toBe(false);
    expect(await isActive(alarmId("service-down", ghost))).toBe(true);
    const cleared = (await eventsOf(alarmId("service-down", "orders"))).at(-1);
    expect(cleared).toMatchObject({ event: "cleared", detail: "the root reports orders up" });
    await alarms().clear("service-down", ghost);
    await alarms().clear("restart-intensity-exceeded", ghost);
  });

  it("the admin restart of a running service clears both (a no-op 200 otherwise)", async () => {
    await alarms().raise({ name: "service-down", source: "orders" });
    await alarms().raise({ name: "restart-intensity-exceeded", source: "orders" });
    const restarted = await http("POST", "/v1/ops/supervision/orders/restart", { admin: true });
    expect(restarted.status).toBe(200);
    expect(await isActive(alarmId("service-down", "orders"))).toBe(false);
    expect(await isActive(alarmId("restart-intensity-exceeded", "orders"))).toBe(false);
    expect((await http("POST", "/v1/ops/supervision/orders/restart", { admin: true })).status).toBe(
      200,
    );
  });
});

describe("notifications-failing can end without a delivery", () => {
  it("the cron clears it for an endpoint that is no longer NOTIFY_WEBHOOK_URL's", async () => {
    const old = `https://${uniqueSku("old")}.example`;
    const current = "https://hooks.example";
    await alarms().raise({ name: "notifications-failing", source: old }, T0);
    await alarms().raise({ name: "notifications-failing", source: current }, T0);
    await withEnv({ NOTIFY_WEBHOOK_URL: `${current}/bulwark` }, (m) => m.evaluate(T0 + 1000));
    expect(await isActive(alarmId("notifications-failing", old))).toBe(false);
    expect(await isActive(alarmId("notifications-failing", current))).toBe(true);
    expect((await eventsOf(alarmId("notifications-failing", old))).at(-1)).toMatchObject({
      event: "cleared",
      detail: `${old} is no longer the webhook endpoint`,
    });
  });

  it("an operator may clear it", async () => {
    const id = alarmId("notifications-failing", "https://hooks.example");
    await alarms().raise({ name: "notifications-failing", source: "https://hooks.example" });
    const cleared = await http("POST", `/v1/ops/alarms/${id}/clear`, { admin: true });
    expect(cleared.status).toBe(200);
    expect(await isActive(id)).toBe(false);
  });
});

describe("overload when the metrics monitor cannot be polled", () => {
  it("keeps its state: a failed poll is not a quiet one", async () => {
    const service = uniqueSku("svc");
    const id = alarmId("overload", service);
    await alarms().observe("overload", service, true, T0);
    await alarms().observe("overload", service, true, T0 + 10_000);
    expect(await isActive(id)).toBe(true);
    // METRICS answers, but with an object that has no load signals: every poll fails.
    const lines = await logsDuring(() =>
      withEnv({ METRICS: env.SUPERVISOR }, async (m) => {
        await m.evaluate(T0 + 20_000);
        await m.evaluate(T0 + 60_000);
      }),
    );
    expect(await isActive(id)).toBe(true);
    expect(lines.filter((l) => l.event === "load-signals-unavailable")).toHaveLength(2);
    await alarms().observe("overload", service, false, T0 + 61_000);
    await alarms().observe("overload", service, false, T0 + 91_000);
    expect(await isActive(id)).toBe(false);
  });
});

describe("POST /v1/ops/alarms/{id}/clear takes no body", () => {
  it("ignores whatever body and content type come with it", async () => {
    const source = uniqueSku("dlq");
    const alarm = await alarms().raise({ name: "dead-letters", source });
    const cleared = await http("POST", `/v1/ops/alarms/${alarm.id}/clear`, {
      admin: true,
      raw: "not json at all",
      headers: { "Content-Type": "text/plain" },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ id: alarm.id });
  });
});

describe("the notifications' dead-letter consumer", () => {
  it("acks its batch and logs when the alarm manager fails, instead of retrying it", async () => {
    const body = {
      id: `msg_${uniqueSku("n")}`,
      url: "https://hooks.example/bulwark",
      type: "alarm.raised",
      alarmId: "dead-letters:x",
      body: "{}",
    };
    const batch = createMessageBatch(NOTIFICATIONS_DLQ, [
      { id: "m0", timestamp: new Date(), attempts: 1, body },
    ]);
    const ctx = createExecutionContext();
    const broken = { ...env, ALARMS: env.SUPERVISOR } as unknown as Cloudflare.Env;
    const lines = await logsDuring(() => deadLetteredNotifications(batch, broken));
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
    expect(lines.filter((l) => l.event === "alarm-report-failed").map((l) => l.id ?? null)).toEqual(
      [body.id, null],
    );
  });
});

describe("stock-depleted reports", () => {
  /** An env whose alarm binding fails the first `failures` times it is used. */
  function flaky(failures: number): Cloudflare.Env {
    let uses = 0;
    return new Proxy(env, {
      get(target, key) {
        // Each stub reads the binding twice (`get(idFromName(...))`).
        if (key === "ALARMS" && uses++ < failures * 2) return env.SUPERVISOR;
        return Reflect.get(target, key);
      },
    });
  }

  it("are retried with backoff when the alarm manager fails for a moment", async () => {
    const sku = uniqueSku();
    const reporter = new StockAlarmReporter(flaky(REPORT_ATTEMPTS - 1));
    reporter.edge(sku, true);
    const lines = await logsDuring(async () => reporter.flush());
    expect(await isActive(alarmId("stock-depleted", sku))).toBe(true);
    expect(lines.filter((l) => l.event === "alarm-report-retried").map((l) => l.retryInMs)).toEqual(
      [100, 1000],
    );
    await alarms().clear("stock-depleted", sku);
  });

  it("are logged as lost after REPORT_ATTEMPTS failures", async () => {
    const sku = uniqueSku();
    const reporter = new StockAlarmReporter(flaky(REPORT_ATTEMPTS));
    reporter.edge(sku, true);
    const lines = await logsDuring(async () => reporter.flush());
    expect(await isActive(alarmId("stock-depleted", sku))).toBe(false);
    expect(lines.filter((l) => l.event === "alarm-report-lost")).toEqual([
      expect.objectContaining({ sku, attempt: REPORT_ATTEMPTS }),
    ]);
  });
});

describe("the metrics monitor without a scraper", () => {
  it("prunes on ingest: sources silent past SOURCE_RETENTION_MS are gone without a scrape", async () => {
    const monitor = env.METRICS.get(env.METRICS.idFromName(uniqueSku("monitor")));
    const t0 = Date.now();
    const batch = (source: string, at: number) => ({
      source,
      seq: 1,
      at,
      counters: [],
      histograms: [],
    });
    const old = Array.from({ length: 20 }, (_, i) => `reporter-${i}`);
    for (const source of old) await monitor.ingest(batch(source, t0), t0);
    const sources = () =>
      runInDurableObject(monitor, async (_instance, state) =>
        state.storage.sql
          .exec<{ source: string }>("SELECT source FROM metric_sources ORDER BY source")
          .toArray()
          .map((r) => r.source),
      );
    const later = t0 + SOURCE_RETENTION_MS + 1;
    await monitor.ingest(batch("fresh", later), later);
    expect(await sources()).toEqual(["fresh"]);
  });
});
