import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alarmId, ORDERS_RETRY_CAP_MS } from "../../core/alarms";
import { alarmManager, ShardRouter } from "../../durable-objects";
import { MONITOR_NAME } from "../../durable-objects/visibility/metrics/batch";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import worker from "../../workers";
import { ORDERS_DLQ, ORDERS_QUEUE } from "../../workers/queue/messages";
import { eventsOf, isActive } from "./alarm-history";
import { atShard, eventually, expectProblem, http, injectFault, putSku, uniqueSku } from "./client";

const alarms = () => alarmManager(env);

async function untilActive(id: string, active: boolean, ms = 10_000) {
  return eventually(
    () => isActive(id),
    (v) => v === active,
    ms,
  );
}

describe("stock-depleted", () => {
  it("is raised when available reaches 0 with stock > 0 and cleared when a release makes units available", async () => {
    const sku = uniqueSku();
    const id = alarmId("stock-depleted", sku);
    await atShard.putSku(sku, 2);
    const hold = await atShard.placeHold(sku, 2);
    expect(await untilActive(id, true)).toBe(true);
    const alarm = (await alarms().list()).active.find((a) => a.id === id);
    expect(alarm).toMatchObject({ name: "stock-depleted", source: sku, severity: "warning" });
    const released = await new ShardRouter(env)
      .inventory(sku)
      .call("releaseHold", { sku, holdId: hold.holdId });
    expect(released.ok).toBe(true);
    expect(await untilActive(id, false)).toBe(false);
    expect((await eventsOf(id)).map((e) => e.event)).toEqual(["raised", "cleared"]);
  });

  it("is raised once however many changes keep the sku depleted, and never for a sku created with stock 0", async () => {
    const sku = uniqueSku();
    const empty = uniqueSku();
    await atShard.putSku(empty, 0);
    await atShard.putSku(sku, 1);
    const hold = await atShard.placeHold(sku, 1);
    await untilActive(alarmId("stock-depleted", sku), true);
    await new ShardRouter(env).inventory(sku).call("confirmHold", { sku, holdId: hold.holdId });
    await atShard.putSku(sku, 1); // stock equal to sold: still depleted
    await atShard.getSku(sku);
    const events = await eventually(
      () => eventsOf(alarmId("stock-depleted", sku)),
      (e) => e.length >= 1,
    );
    expect(events.map((e) => e.event)).toEqual(["raised"]);
    expect(await isActive(alarmId("stock-depleted", empty))).toBe(false);
    await atShard.putSku(sku, 5); // restocked: cleared
    expect(await untilActive(alarmId("stock-depleted", sku), false)).toBe(false);
  });
});

/** Skus that land on distinct inventory shards, so no edge breaker opens before the supervisor acts. */
function skusOnDistinctShards(n: number): string[] {
  const router = new ShardRouter(env);
  const seen = new Map<number, string>();
  while (seen.size < n) {
    const sku = uniqueSku("spread");
    const { index } = router.locate("inventory", sku);
    if (!seen.has(index)) seen.set(index, sku);
  }
  return [...seen.values()];
}

/** Crashes one command per shard until the inventory supervisor gives up (6 > 5 in 10 s). */
async function crashInventoryDown() {
  const skus = skusOnDistinctShards(6);
  for (const sku of skus) await putSku(sku, 10);
  await injectFault({ service: "inventory", kind: "crash", count: 1 });
  for (const sku of skus) {
    expectProblem(
      await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } }),
      500,
      "internal-error",
    );
  }
  await http("DELETE", "/v1/ops/faults", { admin: true });
}

const DOWN = alarmId("service-down", "inventory");
const INTENSITY = alarmId("restart-intensity-exceeded", "inventory");

describe("restart-intensity-exceeded and service-down", () => {
  it("are raised by a crash loop and cleared by the admin restart", async () => {
    await crashInventoryDown();
    expect(await untilActive(INTENSITY, true)).toBe(true);
    expect(await untilActive(DOWN, true)).toBe(true);
    const active = (await alarms().list()).active;
    expect(active.find((a) => a.id === DOWN)).toMatchObject({
      severity: "critical",
      source: "inventory",
    });
    expect(active.find((a) => a.id === INTENSITY)).toMatchObject({ severity: "major" });
    expect(
      (await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true })).status,
    ).toBe(200);
    expect(await untilActive(DOWN, false)).toBe(false);
    expect(await untilActive(INTENSITY, false)).toBe(false);
  });

  it("drive recovery: the alarm manager restarts the service DOWN_RECOVERY_MS later and records the action", async () => {
    await crashInventoryDown();
    await untilActive(DOWN, true);
    const raisedAt = Date.parse(
      (await alarms().list()).active.find((a) => a.id === DOWN)?.raisedAt ?? "",
    );
    await worker.scheduled(createScheduledController({ scheduledTime: raisedAt + 1000 }), env);
    expect(await isActive(DOWN)).toBe(true); // not due yet
    await worker.scheduled(createScheduledController({ scheduledTime: raisedAt + 61_000 }), env);
    expect(await isActive(DOWN)).toBe(false);
    expect(await isActive(INTENSITY)).toBe(false);
    expect((await http("GET", "/readyz")).status).toBe(200);
    const all = await eventsOf(DOWN); // earlier tests raised this alarm too: from this raise on
    const actions = all
      .slice(all.map((e) => e.event).lastIndexOf("raised"))
      .filter((e) => e.event === "action")
      .map((e) => e.detail);
    expect(actions).toEqual([expect.stringContaining("scheduled"), "restarted inventory"]);
  });

  it("drive recovery through the alarm manager's own timer when the recovery falls due", async () => {
    await crashInventoryDown();
    await untilActive(DOWN, true);
    // Let DOWN_RECOVERY_MS pass: the stored due time moves to now and the timer fires.
    await runInDurableObject(alarms(), async (_instance, state) => {
      state.storage.sql.exec("UPDATE alarm_due_actions SET due_at = ?", Date.now());
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(alarms());
    expect(await untilActive(DOWN, false)).toBe(false);
    expect(await isActive(INTENSITY)).toBe(false);
    expect((await http("GET", "/readyz")).status).toBe(200);
  });

  it("the cron raises service-down for a service the root marks down that no alarm covers", async () => {
    await crashInventoryDown();
    await untilActive(DOWN, true);
    // Lose the alarm (as if the report had failed); the cron's reconciliation brings it back.
    await alarms().clear("service-down", "inventory");
    await alarms().evaluate();
    expect(await isActive(DOWN)).toBe(true);
    await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
    await untilActive(DOWN, false);
  });

  it("rate-limits recoveries: at most AUTOMATION_MAX_ACTIONS per AUTOMATION_WINDOW_MS per alarm", async () => {
    const service = uniqueSku("ghost"); // not supervised: every restart fails
    const id = alarmId("service-down", service);
    const t0 = Date.now() + 3_600_000;
    await alarms().raise({ name: "service-down", source: service }, t0);
    for (let i = 1; i <= 7; i++) await alarms().evaluate(t0 + i * 60_000);
    const actions = (await eventsOf(id))
      .filter((e) => e.event === "action")
      .map((e) => e.detail ?? "");
    expect(actions.filter((d) => d.includes("failed"))).toHaveLength(6);
    expect(actions.at(-1)).toContain("rate-limited");
    await alarms().clear("service-down", service);
  });
});

describe("overload and its automation", () => {
  it("queues respond-async orders while a sustained overload alarm is active, and places them directly after it clears", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 100);
    const t = Date.now() + 3_600_000; // later than any sample the object's own timer takes
    await alarms().observe("overload", "orders", true, t - 10_000);
    expect(await alarms().observe("overload", "orders", true, t)).not.toBeNull();
    expect(await alarms().automation()).toMatchObject({ queueOrders: ["orders"] });
    const order = (key: string) =>
      http("POST", "/v1/orders", {
        body: { items: [{ sku, quantity: 1 }] },
        headers: { "Idempotency-Key": key, Prefer: "respond-async" },
      });
    // The edge learns the state in the background (at most every 2 s), then queues.
    const queued = await eventually(
      () => order(uniqueSku("key")),
      (r) => r.status === 202,
      8000,
    );
    expect(queued.json).toMatchObject({ status: "queued" });
    await alarms().observe("overload", "orders", false, t + 1);
    await alarms().observe("overload", "orders", false, t + 30_001);
    expect(await alarms().automation()).toMatchObject({ queueOrders: [] });
    const direct = await eventually(
      () => order(uniqueSku("key")),
      (r) => r.status === 201,
      8000,
    );
    expect(direct.status).toBe(201);
    const details = (await eventsOf(alarmId("overload", "orders")))
      .filter((e) => e.event === "action")
      .map((e) => e.detail);
    expect(details).toEqual([
      expect.stringContaining("go to the queue"),
      "orders are placed directly again",
    ]);
  });

  it("does not engage more than AUTOMATION_MAX_ACTIONS times per window", async () => {
    const service = uniqueSku("svc");
    let t = Date.now() + 7_200_000;
    for (let i = 0; i < 7; i++) {
      await alarms().observe("overload", service, true, t);
      await alarms().observe("overload", service, true, t + 10_000);
      await alarms().observe("overload", service, false, t + 10_001);
      t += 40_002;
      await alarms().observe("overload", service, false, t);
    }
    const actions = (await eventsOf(alarmId("overload", service))).filter(
      (e) => e.event === "action",
    );
    expect(actions.filter((e) => e.detail?.includes("go to the queue"))).toHaveLength(6);
    expect(actions.filter((e) => e.detail?.includes("rate limit"))).toHaveLength(1);
  });
});

/** Runs the Worker's queue handler on one batch of `bodies` enqueued `ageMs` ago. */
async function consume(queue: string, bodies: unknown[], ageMs = 0) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({
      id: `m${i}`,
      timestamp: new Date(Date.now() - ageMs),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("queue-backlog and its automation", () => {
  it("is raised when the oldest message waited past QUEUE_BACKLOG_MS, slows intake, and clears once batches stopped for longer than a retry", async () => {
    const id = alarmId("queue-backlog", ORDERS_QUEUE);
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    // Two orders on different order shards; the first one's shard refuses for load.
    const router = new ShardRouter(env);
    const bodies = [];
    const shards = new Set<string>();
    while (bodies.length < 2) {
      const orderId = `o_${uniqueSku("backlog")}`;
      const shard = router.locate("orders", orderId).name;
      if (shards.has(shard)) continue;
      shards.add(shard);
      const items = [{ sku, quantity: 1 }];
      const body = { orderId, items, fingerprint: JSON.stringify(items), enqueuedAt: Date.now() };
      await router.orders(orderId).call("enqueueOrder", body);
      bodies.push(body);
    }
    const [first, second] = bodies as [(typeof bodies)[0], (typeof bodies)[0]];
    await injectFault({ service: "orders", orderId: first.orderId, kind: "overload", count: 1 });
    const result = await consume(ORDERS_QUEUE, [first, second], 60_000);
    expect(await isActive(id)).toBe(true);
    // Slowed intake: the refusal backed off the whole batch, not only its shard.
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m0", "m1"]);
    // Silence is not a clear until the consumer's longest retry delay passed: the retried
    // messages may still be waiting (QUEUE_RETRY_BASE_MS is 0 here: ORDERS_RETRY_CAP_MS).
    const t = Date.now();
    await alarms().evaluate(t + 5_000);
    await alarms().evaluate(t + 16_000);
    await alarms().evaluate(t + ORDERS_RETRY_CAP_MS - 1);
    expect(await isActive(id)).toBe(true);
    // Past it, the clear window runs from the first silent tick and clears at its end.
    await alarms().evaluate(t + ORDERS_RETRY_CAP_MS + 1_000);
    await alarms().evaluate(t + ORDERS_RETRY_CAP_MS + 6_000);
    expect(await isActive(id)).toBe(true);
    await alarms().evaluate(t + ORDERS_RETRY_CAP_MS + 11_000);
    expect(await isActive(id)).toBe(false);
    const details = (await eventsOf(id)).filter((e) => e.event === "action").map((e) => e.detail);
    expect(details).toEqual([
      expect.stringContaining("less per batch"),
      expect.stringContaining("full batches"),
    ]);
  });

  it("is not raised by young messages", async () => {
    await consume(ORDERS_QUEUE, [{ malformed: true }], 0);
    expect(await isActive(alarmId("queue-backlog", ORDERS_QUEUE))).toBe(false);
  });
});

describe("dead-letters", () => {
  it("is raised by the orders DLQ consumer and an operator may clear it", async () => {
    const id = alarmId("dead-letters", ORDERS_DLQ);
    await consume(ORDERS_DLQ, [{ orderId: "o_missing", items: [], fingerprint: "[]" }]);
    expect(await isActive(id)).toBe(true);
    const cleared = await http("POST", `/v1/ops/alarms/${id}/clear`, { admin: true });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ id, name: "dead-letters" });
    expect(await isActive(id)).toBe(false);
  });
});

describe("overload from the metrics monitor's load signals", () => {
  it("is raised after refusals persisted for OVERLOAD_RAISE_MS and cleared after OVERLOAD_CLEAR_MS without any", async () => {
    const monitor = env.METRICS.get(env.METRICS.idFromName(MONITOR_NAME));
    const id = alarmId("overload", "inventory");
    const refusals = (seq: number, at: number) =>
      monitor.ingest({
        source: "alarm-test",
        seq,
        at,
        counters: [
          {
            family: FAMILIES.shed.name,
            labels: { service: "inventory", reason: "overloaded" },
            value: 2,
          },
        ],
        histograms: [],
      });
    // The monitor places refusals at real time; the alarm manager is asked about later times
    // (its own timer samples real time, which is then older and ignored).
    const t = Date.now();
    await refusals(1, t);
    await alarms().evaluate(t);
    expect(await isActive(id)).toBe(false);
    await scheduler.wait(5); // what follows is strictly later than `t`
    // The next evaluation's window starts exactly at `from`, the second refusal's time, so
    // that refusal lies in it however long its call takes (counted from after the call, a
    // second boundary passing meanwhile left it out); and it comes more than
    // OVERLOAD_RAISE_MS (the window's length) after `t`.
    const from = Date.now();
    await refusals(2, from);
    const sustained = from + Number(env.LOAD_SIGNAL_WINDOW_MS) - 1;
    expect(sustained - t).toBeGreaterThanOrEqual(Number(env.OVERLOAD_RAISE_MS));
    await alarms().evaluate(sustained);
    expect(await isActive(id)).toBe(true);
    const quiet = sustained + Number(env.LOAD_SIGNAL_WINDOW_MS);
    await alarms().evaluate(quiet);
    await alarms().evaluate(quiet + 29_999);
    expect(await isActive(id)).toBe(true);
    await alarms().evaluate(quiet + 30_000);
    expect(await isActive(id)).toBe(false);
  });
});
