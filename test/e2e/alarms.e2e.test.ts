import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSku, placeHold, releaseHold } from "./api";
import { ADMIN, expectStatus, unique } from "./contract";
import { type DevServer, fetchJson, startDev } from "./harness";
import { shardMapOf } from "./services";
import { startReceiver, type WebhookReceiver } from "./webhook-receiver";

/** `whsec_` + base64 of 32 bytes, as the Standard Webhooks specification wants. */
const SECRET = `whsec_${Buffer.from("e2e-webhook-secret-of-32-bytes!!").toString("base64")}`;
/** Fast retries: every retry waits about a second (the queue delays in whole seconds). */
const RETRY_BASE_MS = 200;
/** Generous for a loaded machine: local queues poll about once a second per attempt. */
const BUDGET_MS = 30_000;

let server: DevServer;
let receiver: WebhookReceiver;
const api = {
  url: (path: string) => `${server.url}${path}`,
  get server() {
    return server;
  },
};

beforeAll(async () => {
  receiver = await startReceiver(SECRET);
  server = await startDev({
    vars: {
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_RETRY_BASE_MS: String(RETRY_BASE_MS),
    },
  });
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

/** Polls `probe` until `ok` holds; fails with the last value after `ms`. */
async function until<T>(
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  ms = BUDGET_MS,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const notificationsAbout = (source: string, type?: string) =>
  receiver.received.filter(
    (r) => r.body.data?.source === source && (!type || r.body.type === type),
  );

async function activeAlarms(): Promise<{ id: string; name: string; source: string }[]> {
  const res = await fetchJson(api.url("/v1/ops/alarms"), { headers: ADMIN });
  expectStatus(res, 200);
  return (res.body as { active: { id: string; name: string; source: string }[] }).active;
}

describe("alarm notifications against a real receiver", () => {
  it("a sold-out sku raises stock-depleted, a release clears it, and both arrive signed", async () => {
    const sku = unique("sold-out");
    await createSku(api, sku, 2);
    const hold = await placeHold(api, sku, { quantity: 2 });
    expectStatus(hold, 201);
    const raised = await until(
      () => notificationsAbout(sku, "alarm.raised"),
      (r) => r.length > 0,
    );
    expect(raised[0]).toMatchObject({
      verified: true,
      status: 204,
      body: { data: { name: "stock-depleted", source: sku } },
    });
    expect(
      (await activeAlarms()).some((a) => a.name === "stock-depleted" && a.source === sku),
    ).toBe(true);

    expectStatus(
      await releaseHold(api, sku, String((hold.body as { holdId: string }).holdId)),
      200,
    );
    const cleared = await until(
      () => notificationsAbout(sku, "alarm.cleared"),
      (r) => r.length > 0,
    );
    expect(cleared[0]).toMatchObject({ verified: true, status: 204 });
    expect(cleared[0]?.id).not.toBe(raised[0]?.id);
    expect((await activeAlarms()).some((a) => a.source === sku)).toBe(false);
  });

  it("a receiver that refuses twice gets the notification on the third attempt, with the same webhook-id", async () => {
    const sku = unique("flaky");
    receiver.refuse(sku, 2);
    await createSku(api, sku, 1);
    expectStatus(await placeHold(api, sku, { quantity: 1 }), 201);
    const attempts = await until(
      () => notificationsAbout(sku, "alarm.raised"),
      (r) => r.length >= 3,
    );
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 204]);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
    expect(attempts.every((a) => a.verified)).toBe(true);
    const log = await until(
      async () => {
        const res = await fetchJson(api.url("/v1/ops/notifications"), { headers: ADMIN });
        const body = res.body as { deliveries: { id: string; status: string; attempts: number }[] };
        return body.deliveries.find((d) => d.id === attempts[0]?.id);
      },
      (d) => d?.status === "delivered",
    );
    expect(log).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 204 });
  });
});

/** One sku per inventory shard for `n` shards, so no edge breaker opens before the supervisor gives up. */
async function skusOnDistinctShards(n: number): Promise<string[]> {
  const shards = await shardMapOf("inventory");
  const seen = new Map<number, string>();
  while (seen.size < n) {
    const sku = unique("spread");
    const index = shards.shardOf(sku);
    if (!seen.has(index)) seen.set(index, sku);
  }
  return [...seen.values()];
}

describe("supervision alarms over HTTP", () => {
  it("a crash loop raises restart-intensity-exceeded and service-down; the admin restart clears both", async () => {
    const skus = await skusOnDistinctShards(6);
    for (const sku of skus) await createSku(api, sku, 10);
    const fault = { service: "inventory", kind: "crash", count: 1 };
    expectStatus(
      await fetchJson(api.url("/v1/ops/faults"), { method: "POST", headers: ADMIN, json: fault }),
      201,
    );
    for (const sku of skus) expectStatus(await placeHold(api, sku, { quantity: 1 }), 500);
    await fetchJson(api.url("/v1/ops/faults"), { method: "DELETE", headers: ADMIN });

    const wanted = ["restart-intensity-exceeded", "service-down"];
    const mine = (alarms: { name: string; source: string }[]) =>
      alarms
        .filter((a) => a.source === "inventory" && wanted.includes(a.name))
        .map((a) => a.name)
        .sort();
    expect(await until(activeAlarms, (a) => mine(a).length === 2).then(mine)).toEqual(wanted);
    await until(
      () => notificationsAbout("inventory", "alarm.raised"),
      (r) => r.length >= 2,
    );

    const restart = await fetchJson(api.url("/v1/ops/supervision/inventory/restart"), {
      method: "POST",
      headers: ADMIN,
    });
    expectStatus(restart, 200);
    expect(await until(activeAlarms, (a) => mine(a).length === 0).then(mine)).toEqual([]);
    const cleared = await until(
      () => notificationsAbout("inventory", "alarm.cleared"),
      (r) => r.length >= 2,
    );
    expect(cleared.map((r) => r.body.data?.name).sort()).toEqual(wanted);
    expect(cleared.every((r) => r.verified)).toBe(true);
  });
});
