import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { alarmId } from "../../core/alarms";
import { alarmManager, NOTIFICATIONS_DLQ, NOTIFICATIONS_QUEUE } from "../../durable-objects";
import { AlarmManager, type NotificationMessage } from "../../durable-objects/visibility/alarms";
import worker from "../../workers";
import { deliverNotifications, type Transport } from "../../workers/queue/notifications-consumer";
import { eventually, http, uniqueSku } from "./client";

const SECRET = env.NOTIFY_WEBHOOK_SECRET;
const alarms = () => alarmManager(env);

/** A notification as the alarm manager enqueues it, for an alarm on `source`. */
function notification(
  source: string,
  url = "https://hooks.example.test/bulwark",
): NotificationMessage {
  const data = { id: alarmId("stock-depleted", source), name: "stock-depleted", source };
  return {
    id: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
    url,
    type: "alarm.raised",
    alarmId: data.id,
    body: JSON.stringify({ type: "alarm.raised", timestamp: new Date().toISOString(), data }),
  };
}

/** A receiver that verifies every request with the reference library, then answers `reply()`. */
function receiver(reply: () => Response) {
  const received: { headers: Record<string, string>; body: string; verified: boolean }[] = [];
  const send: Transport = async (_url, init) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = String(init.body);
    let verified = false;
    try {
      new Webhook(SECRET).verify(body, headers);
      verified = true;
    } catch {
      verified = false;
    }
    received.push({ headers, body, verified });
    return reply();
  };
  return { send, received };
}

async function deliver(messages: NotificationMessage[], send: Transport, attempts = 1, e = env) {
  const batch = createMessageBatch(
    NOTIFICATIONS_QUEUE,
    messages.map((body, i) => ({ id: `n${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await deliverNotifications(batch, e, send);
  return getQueueResult(batch, ctx);
}

/** Puts a pending delivery for `n` in the log, as an enqueue would. */
async function logged(n: NotificationMessage) {
  await runInDurableObject(alarms(), (_i, state) => {
    state.storage.sql.exec(
      "INSERT INTO alarm_deliveries VALUES (?, ?, ?, 0, 'pending', NULL, NULL, ?, NULL)",
      n.id,
      n.type,
      n.alarmId,
      Date.now(),
    );
  });
  return n;
}

const deliveryOf = async (id: string) =>
  (await alarms().notifications()).deliveries.find((d) => d.id === id);

describe("Notification delivery (Standard Webhooks)", () => {
  it("signs the attempt so the standardwebhooks verifier accepts it, and acks on 2xx", async () => {
    const n = await logged(notification(uniqueSku()));
    const r = receiver(() => new Response(null, { status: 204 }));
    const result = await deliver([n], r.send);
    expect(result.explicitAcks).toEqual(["n0"]);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.verified).toBe(true);
    expect(r.received[0]?.headers["webhook-id"]).toBe(n.id);
    expect(r.received[0]?.headers["content-type"]).toBe("application/json");
    expect(r.received[0]?.body).toBe(n.body);
    expect(await deliveryOf(n.id)).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatusCode: 204,
    });
  });

  it("retries a refused attempt with the same webhook-id and a fresh timestamp and signature", async () => {
    const n = await logged(notification(uniqueSku()));
    const r = receiver(() => new Response("busy", { status: 503 }));
    const first = await deliver([n], r.send, 1);
    expect(first.retryMessages).toEqual([{ msgId: "n0" }]);
    expect(await deliveryOf(n.id)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: 503,
    });
    const ok = receiver(() => new Response("ok"));
    await deliver([n], ok.send, 2);
    expect(ok.received[0]?.headers["webhook-id"]).toBe(r.received[0]?.headers["webhook-id"]);
    expect(ok.received[0]?.verified).toBe(true);
    expect(await deliveryOf(n.id)).toMatchObject({
      status: "delivered",
      attempts: 2,
      lastStatusCode: 200,
    });
  });

  it("honours a Retry-After longer than its backoff", async () => {
    const n = await logged(notification(uniqueSku()));
    const r = receiver(
      () => new Response(null, { status: 429, headers: { "Retry-After": "120" } }),
    );
    const result = await deliver([n], r.send);
    expect(result.retryMessages).toEqual([{ msgId: "n0" }]);
    const delivery = await deliveryOf(n.id);
    const waitMs =
      Date.parse(delivery?.nextAttemptAt ?? "") - Date.parse(delivery?.lastAttemptAt ?? "");
    expect(waitMs).toBe(120_000); // the base (0 in tests) plus jitter is shorter: Retry-After wins
  });

  it("retries when the receiver is unreachable", async () => {
    const n = await logged(notification(uniqueSku()));
    const result = await deliver([n], async () => {
      throw new Error("connection refused");
    });
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["n0"]);
    expect(await deliveryOf(n.id)).toMatchObject({ status: "pending", lastStatusCode: null });
  });

  it("stops at once on 410 Gone: acked, dead-lettered, notifications-failing raised", async () => {
    const url = `https://${uniqueSku("gone")}.example.test/hook`;
    const n = await logged(notification(uniqueSku(), url));
    const r = receiver(() => new Response(null, { status: 410 }));
    const result = await deliver([n], r.send);
    expect(result.explicitAcks).toEqual(["n0"]);
    expect(result.retryMessages).toEqual([]);
    expect(await deliveryOf(n.id)).toMatchObject({ status: "dead-lettered", lastStatusCode: 410 });
    const failing = alarmId("notifications-failing", new URL(url).origin);
    expect((await alarms().list()).active.find((a) => a.id === failing)).toMatchObject({
      severity: "major",
    });
    // A later successful delivery to the endpoint clears it.
    await deliver(
      [await logged(notification(uniqueSku(), url))],
      receiver(() => new Response("ok")).send,
    );
    expect((await alarms().list()).active.some((a) => a.id === failing)).toBe(false);
  });

  it("never sends with a malformed secret: nothing goes out, the message is retried", async () => {
    const n = await logged(notification(uniqueSku()));
    const r = receiver(() => new Response("ok"));
    const result = await deliver([n], r.send, 1, { ...env, NOTIFY_WEBHOOK_SECRET: "plain-text" });
    expect(r.received).toHaveLength(0);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["n0"]);
  });

  it("counts delivered, retried and dead-lettered notifications for /metrics", async () => {
    const before = (await alarms().counts()).notifications;
    await deliver(
      [await logged(notification(uniqueSku()))],
      receiver(() => new Response("ok")).send,
    );
    await deliver(
      [await logged(notification(uniqueSku()))],
      receiver(() => new Response("", { status: 500 })).send,
    );
    const after = (await alarms().counts()).notifications;
    expect(after.delivered - before.delivered).toBe(1);
    expect(after.retried - before.retried).toBe(1);
  });
});

describe("Notifications through the real queue", () => {
  it("enqueues each transition when NOTIFY_WEBHOOK_URL is set; an unreachable receiver ends dead-lettered and raises notifications-failing", async () => {
    const sku = uniqueSku();
    const url = "http://127.0.0.1:9/bulwark-hook"; // discard port: nothing listens
    await runInDurableObject(alarms(), async (_instance, state) => {
      const configured = new AlarmManager(state, {
        ...env,
        NOTIFY_WEBHOOK_URL: url,
      } as Cloudflare.Env);
      await configured.raise({ name: "stock-depleted", source: sku });
    });
    const id = alarmId("stock-depleted", sku);
    const mine = await eventually(
      async () => (await alarms().notifications()).deliveries.filter((d) => d.alarmId === id),
      (d) => d.length === 1 && d[0]?.status === "dead-lettered",
      45_000,
    );
    expect(mine).toEqual([
      expect.objectContaining({ type: "alarm.raised", status: "dead-lettered", attempts: 6 }),
    ]);
    expect(mine[0]?.id).toMatch(/^msg_[0-9a-f]{32}$/);
    const active = (await alarms().list()).active.map((a) => a.id);
    expect(active).toContain(alarmId("notifications-failing", "http://127.0.0.1:9"));
    expect(active).toContain(alarmId("dead-letters", NOTIFICATIONS_DLQ));
  }, 60_000);

  it("sends nothing and says why when the secret is malformed", async () => {
    const sku = uniqueSku();
    await runInDurableObject(alarms(), async (_instance, state) => {
      const misconfigured = {
        ...env,
        NOTIFY_WEBHOOK_URL: "https://hooks.example.test/x",
        NOTIFY_WEBHOOK_SECRET: "oops",
      };
      const manager = new AlarmManager(state, misconfigured);
      await manager.raise({ name: "stock-depleted", source: sku });
      expect(await manager.notifications()).toMatchObject({
        endpoint: { state: "invalid", error: expect.stringContaining("NOTIFY_WEBHOOK_SECRET") },
      });
    });
    const mine = (await alarms().notifications()).deliveries.filter(
      (d) => d.alarmId === alarmId("stock-depleted", sku),
    );
    expect(mine).toEqual([]);
  });

  it("reports a malformed secret on /readyz, naming the variable", async () => {
    const misconfigured = {
      ...env,
      NOTIFY_WEBHOOK_URL: "https://hooks.example.test/x",
      NOTIFY_WEBHOOK_SECRET: "oops",
    };
    const response = await worker.fetch(
      new Request("http://edge.test/readyz"),
      misconfigured,
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "degraded",
      reasons: [expect.stringContaining("NOTIFY_WEBHOOK_SECRET")],
    });
  });
});

describe("A notification the queue refuses", () => {
  it("is dead-lettered at once and raises notifications-failing for its endpoint, once", async () => {
    const source = uniqueSku();
    const endpoint = `https://refused-${crypto.randomUUID()}.example.test`;
    const raised = await runInDurableObject(alarms(), async (instance: AlarmManager) => {
      // The manager's own env, as its book holds it: the webhook on, the queue refusing.
      const e = (instance as unknown as { env: Record<string, unknown> }).env;
      const saved = { url: e.NOTIFY_WEBHOOK_URL, queue: e.NOTIFICATIONS_QUEUE };
      e.NOTIFY_WEBHOOK_URL = `${endpoint}/bulwark`;
      e.NOTIFICATIONS_QUEUE = { send: () => Promise.reject(new Error("queue down")) };
      try {
        return await instance.raise({ name: "stock-depleted", source });
      } finally {
        e.NOTIFY_WEBHOOK_URL = saved.url;
        e.NOTIFICATIONS_QUEUE = saved.queue;
      }
    });
    const failingId = alarmId("notifications-failing", endpoint);
    const active = (await alarms().list()).active;
    expect(active.find((a) => a.id === failingId)).toMatchObject({
      name: "notifications-failing",
      source: endpoint,
      description: expect.stringContaining("queue refused"),
    });
    // Both transitions' notifications were refused: each is in the log as dead-lettered.
    const { deliveries } = await alarms().notifications();
    const ofAlarm = (id: string) => deliveries.filter((d) => d.alarmId === id);
    expect(ofAlarm(raised.id).map((d) => d.status)).toEqual(["dead-lettered"]);
    expect(ofAlarm(failingId).map((d) => d.status)).toEqual(["dead-lettered"]);
    const cleared = await http("POST", `/v1/ops/alarms/${failingId}/clear`, { admin: true });
    expect(cleared.status).toBe(200);
  });
});
