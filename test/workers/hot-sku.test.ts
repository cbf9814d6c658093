import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type AlarmEvent, alarmId } from "../../core/alarms";
import { alarmManager, type HoldView, ShardRouter, type SkuView } from "../../durable-objects";
import { subShardAddress, subShardRef } from "../../durable-objects/inventory/spread/address";
import { TRANSFER_RESUME_MS } from "../../durable-objects/inventory/spread/rebalance";
import { holdIdOf } from "../../durable-objects/orders/saga";
import {
  type EdgeReply,
  eventually,
  expectProblem,
  http,
  injectFault,
  inventoryShard,
  placeOrder,
  putSku,
  uniqueSku,
} from "./client";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const router = () => new ShardRouter(env);
const sub = (sku: string, i: number) => subShardRef(router(), sku, i);
const subStub = (sku: string, i: number) =>
  env.INVENTORY.get(env.INVENTORY.idFromName(subShardAddress(router(), sku, i).name));

/** A new sku with `stock` units spread over `k` sub-shards (through the admin API). */
async function spreadSku(stock: number, k: number, prefix = "hot"): Promise<string> {
  const sku = uniqueSku(prefix);
  await putSku(sku, stock);
  const r = await http("PUT", `/v1/skus/${sku}/placement`, {
    body: { subShards: k },
    admin: true,
  });
  expect(r.status).toBe(200);
  return sku;
}

/** Every sub-shard's own part (its allocation as `stock`), `null` where it has none. */
async function parts(sku: string, highest: number): Promise<(SkuView | null)[]> {
  return Promise.all(
    [...Array(highest).keys()].map(async (i) => {
      const r = await sub(sku, i).call("getPart", { sku });
      return r.ok ? r.value : null;
    }),
  );
}

/** Asserts held + sold ≤ allocation on every sub-shard and Σ allocations = `total`. */
async function expectInvariant(sku: string, highest: number, total: number) {
  const all = await parts(sku, highest);
  for (const part of all) if (part) expect(part.held + part.sold).toBeLessThanOrEqual(part.stock);
  const allocated = all.reduce((a, p) => a + (p?.stock ?? 0), 0);
  expect(allocated).toBe(total);
  return all;
}

const placeHold = (sku: string, body: unknown, headers: Record<string, string> = {}) =>
  http("POST", `/v1/skus/${sku}/holds`, { body, headers });

const getSku = async (sku: string) =>
  (await http("GET", `/v1/skus/${sku}`)).json as unknown as SkuView;

/** A hold placed straight on sub-shard `i` (which must have the allocation). */
async function holdOn(sku: string, i: number, quantity: number, ttlSeconds = 300) {
  const r = await sub(sku, i).call("placeHold", { sku, quantity, ttlSeconds, subShard: i });
  if (!r.ok) throw new Error(`hold on sub-shard ${i} failed: ${r.code} ${r.detail}`);
  return r.value;
}

/** Moves `want` units (or more) of allocation to sub-shard `target`. */
async function moveTo(sku: string, target: number, want: number) {
  const r = await sub(sku, 0).call("rebalance", { sku, target, want }, { reserved: true });
  if (!r.ok) throw new Error(`rebalance failed: ${r.code} ${r.detail}`);
  return r.value;
}

/** Answers counted by status (and problem code): `{ "201": n, "409 insufficient-stock": m }`. */
function tally(replies: EdgeReply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${String(r.json?.code)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function alarmEvents(id: string): Promise<AlarmEvent[]> {
  const page = await alarmManager(env).list();
  return page.history.filter((e) => e.alarmId === id).reverse();
}

describe("PUT /v1/skus/:sku/placement", () => {
  it("spreads a sku over K sub-shards and GET still answers one SkuView of the whole stock", async () => {
    const sku = uniqueSku("hot");
    await putSku(sku, 100);
    const r = await http("PUT", `/v1/skus/${sku}/placement`, {
      body: { subShards: 4 },
      admin: true,
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ sku, spread: true, subShards: 4, highest: 4, stock: 100 });
    expect(await getSku(sku)).toMatchObject({ sku, stock: 100, available: 100, held: 0, sold: 0 });
    const read = await http("GET", `/v1/skus/${sku}/placement`, { admin: true });
    expect(read.json).toMatchObject({ spread: true, subShards: 4 });
  });

  it("refuses bad input with problem+json and changes nothing", async () => {
    const sku = uniqueSku("hot");
    await putSku(sku, 10);
    const path = `/v1/skus/${sku}/placement`;
    expectProblem(await http("PUT", path, { body: { subShards: 2 } }), 401, "unauthorized");
    for (const body of [{ subShards: 0 }, { subShards: 65 }, { subShards: 1.5 }, { k: 2 }]) {
      expectProblem(await http("PUT", path, { body, admin: true }), 400, "invalid-request");
    }
    const overShards = await http("PUT", path, { body: { subShards: 17 }, admin: true });
    expectProblem(overShards, 400, "invalid-request");
    expect(overShards.json.detail).toContain("16");
    const missing = uniqueSku("hot");
    const r = await http("PUT", `/v1/skus/${missing}/placement`, {
      body: { subShards: 2 },
      admin: true,
    });
    expectProblem(r, 404, "not-found");
    expect((await http("GET", path, { admin: true })).json).toMatchObject({ spread: false });
  });

  it("applies the HOT_SKUS default rule when a matching sku is created", async () => {
    const sku = uniqueSku("flash-rule");
    await putSku(sku, 30);
    const r = await http("GET", `/v1/skus/${sku}/placement`, { admin: true });
    expect(r.json).toMatchObject({ spread: true, subShards: 3, stock: 30 });
    expect(await getSku(sku)).toMatchObject({ stock: 30, available: 30 });
  });
});

describe("holds on a spread sku", () => {
  it("never oversells: 200 concurrent holds of 1 on stock 100 over K = 4 give exactly 100 holds", async () => {
    const sku = await spreadSku(100, 4);
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => placeHold(sku, { quantity: 1 })),
    );
    expect(tally(replies)).toEqual({ "201": 100, "409 insufficient-stock": 100 });
    const ids = replies.filter((r) => r.status === 201).map((r) => String(r.json.holdId));
    const used = new Set(ids.map((id) => (id.includes(".") ? id.split(".")[1] : "0")));
    expect(used.size).toBeGreaterThan(1); // the holds were spread, not all on one object
    const all = await expectInvariant(sku, 4, 100);
    expect(all.reduce((a, p) => a + (p?.held ?? 0), 0)).toBe(100);
    expect(await getSku(sku)).toMatchObject({ stock: 100, held: 100, available: 0 });
  });

  it("rebalances: a sub-shard that ran dry is refilled from the others and its next hold succeeds", async () => {
    const sku = await spreadSku(20, 2);
    // Sub-shard 1 starts with no allocation: straight to it, the hold is short.
    const short = await sub(sku, 1).call("placeHold", {
      sku,
      quantity: 3,
      ttlSeconds: 60,
      subShard: 1,
    });
    expect(short).toMatchObject({ ok: false, code: "allocation-short" });
    const moved = await moveTo(sku, 1, 3);
    expect(moved.moved).toBeGreaterThanOrEqual(3);
    await holdOn(sku, 1, 3);
    await expectInvariant(sku, 2, 20);
    // Through the edge, every hold lands somewhere until all 20 are held.
    for (let i = 0; i < 17; i++) expect((await placeHold(sku, { quantity: 1 })).status).toBe(201);
    expectProblem(await placeHold(sku, { quantity: 1 }), 409, "insufficient-stock");
    expect(await getSku(sku)).toMatchObject({ stock: 20, held: 20, available: 0 });
  });

  it("is sold out only when every sub-shard is empty, and raises stock-depleted once", async () => {
    const sku = await spreadSku(6, 3);
    const id = alarmId("stock-depleted", sku);
    await moveTo(sku, 2, 2);
    await holdOn(sku, 2, 2); // sub-shard 2 is empty now, the others are not
    expect((await getSku(sku)).available).toBe(4);
    for (let i = 0; i < 4; i++) expect((await placeHold(sku, { quantity: 1 })).status).toBe(201);
    expectProblem(await placeHold(sku, { quantity: 1 }), 409, "insufficient-stock");
    const events = await eventually(
      () => alarmEvents(id),
      (e) => e.length >= 1,
    );
    await sleep(200); // a second raise would have been reported by now
    expect((await alarmEvents(id)).map((e) => e.event)).toEqual(["raised"]);
    expect(events[0]).toMatchObject({ name: "stock-depleted", source: sku });
    expect(await inventoryShard(sku).stockEvents(sku)).toHaveLength(1);
  });

  it("clears stock-depleted when a hold on a sub-shard is released", async () => {
    const sku = await spreadSku(2, 2);
    const id = alarmId("stock-depleted", sku);
    await moveTo(sku, 1, 1);
    const a = await holdOn(sku, 1, 1);
    await holdOn(sku, 0, 1);
    await eventually(
      () => alarmEvents(id),
      (e) => e.length === 1,
    );
    const released = await http("DELETE", `/v1/skus/${sku}/holds/${a.holdId}`);
    expect(released.status).toBe(200);
    const events = await eventually(
      () => alarmEvents(id),
      (e) => e.length === 2,
    );
    expect(events.map((e) => e.event)).toEqual(["raised", "cleared"]);
  });

  it("returns an expired hold's units to the sub-shard that held it", async () => {
    const sku = await spreadSku(10, 3);
    await moveTo(sku, 2, 4);
    const before = await parts(sku, 3);
    const hold = await holdOn(sku, 2, 3, 1);
    expect(hold.holdId).toMatch(/\.2$/);
    await sleep(1100);
    await runDurableObjectAlarm(subStub(sku, 2));
    const r = await eventually(
      () => http("GET", `/v1/skus/${sku}/holds/${hold.holdId}`),
      (x) => x.json.status === "expired",
    );
    expect(r.status).toBe(200);
    const after = await parts(sku, 3);
    expect(after[2]).toMatchObject({ stock: before[2]?.stock, held: 0 });
    expect(after[0]?.stock).toBe(before[0]?.stock);
    expect(await getSku(sku)).toMatchObject({ stock: 10, held: 0, available: 10 });
  });

  it("reads, confirms and releases holds by id after K changed under them", async () => {
    const sku = await spreadSku(12, 4);
    await moveTo(sku, 3, 4);
    await moveTo(sku, 1, 2);
    const onThree = await holdOn(sku, 3, 2);
    const onOne = await holdOn(sku, 1, 1);
    const shrink = await http("PUT", `/v1/skus/${sku}/placement`, {
      body: { subShards: 2 },
      admin: true,
    });
    expect(shrink.json).toMatchObject({ subShards: 2, highest: 4 });
    const read = await http("GET", `/v1/skus/${sku}/holds/${onThree.holdId}`);
    expect(read.json).toMatchObject({ status: "active", quantity: 2 });
    const confirmed = await http("POST", `/v1/skus/${sku}/holds/${onThree.holdId}/confirm`);
    expect(confirmed.json).toMatchObject({ status: "confirmed" });
    await http("PUT", `/v1/skus/${sku}/placement`, { body: { subShards: 4 }, admin: true });
    const released = await http("DELETE", `/v1/skus/${sku}/holds/${onOne.holdId}`);
    expect(released.json).toMatchObject({ status: "released" });
    expect(await getSku(sku)).toMatchObject({ stock: 12, held: 0, sold: 2, available: 10 });
    await expectInvariant(sku, 4, 12);
  });

  it("keeps the invariant while K changes under concurrent holds, and sells every unit", async () => {
    const sku = await spreadSku(150, 2);
    const holds = Array.from({ length: 200 }, () => placeHold(sku, { quantity: 1 }));
    const changes = (async () => {
      for (const k of [4, 1, 3, 8]) {
        await http("PUT", `/v1/skus/${sku}/placement`, { body: { subShards: k }, admin: true });
      }
    })();
    const [replies] = await Promise.all([Promise.all(holds), changes]);
    expect(tally(replies)).toEqual({ "201": 150, "409 insufficient-stock": 50 });
    const all = await expectInvariant(sku, 8, 150);
    expect(all.reduce((a, p) => a + (p?.held ?? 0), 0)).toBe(150);
  });

  it("replays a keyed hold identically, and an allocation shortfall on the way is not replayed", async () => {
    const sku = await spreadSku(10, 4);
    const headers = { "Idempotency-Key": `key-${sku}` };
    const first = await placeHold(sku, { quantity: 2 }, headers);
    expect(first.status).toBe(201);
    const again = await placeHold(sku, { quantity: 2 }, headers);
    expect(again).toMatchObject({ status: 201, json: first.json });
    expect((await getSku(sku)).held).toBe(2);
    // Straight to an empty sub-shard with a key: the shortfall is answered but not kept.
    const empty = (await parts(sku, 4)).findIndex((p, i) => i > 0 && (p?.stock ?? 0) === 0);
    expect(empty).toBeGreaterThan(0);
    const meta = { idempotencyKey: `raw-${sku}`, fingerprint: "f" };
    const hold = { sku, quantity: 1, ttlSeconds: 60, subShard: empty };
    expect(await sub(sku, empty).call("placeHold", hold, meta)).toMatchObject({
      code: "allocation-short",
    });
    await moveTo(sku, empty, 1);
    const retried = await sub(sku, empty).call("placeHold", hold, meta);
    expect(retried.ok).toBe(true);
    expect(await sub(sku, empty).call("placeHold", hold, meta)).toMatchObject({
      ok: true,
      value: retried.ok ? retried.value : null,
    });
  });
});

describe("transfers of allocation", () => {
  it("finishes a transfer by its timer after a crash between the donor's yield and the accept", async () => {
    const sku = await spreadSku(10, 2);
    await moveTo(sku, 1, 10); // sub-shard 1 holds everything; 0 has nothing free
    expect((await parts(sku, 2)).map((p) => p?.stock ?? 0)).toEqual([0, 10]);
    // Step 1 opens the transfer; the remote yield commits on sub-shard 1; step 2 (recording
    // what it gave) crashes: the units are in flight, in no allocation.
    const fault = await injectFault({ service: "inventory", sku, kind: "crash", step: 2 });
    expect(fault.status).toBe(201);
    const r = await sub(sku, 0).call("rebalance", { sku, target: 0, want: 1 }, { reserved: true });
    expect(r).toMatchObject({ ok: false, code: "interrupted" });
    const inFlight = await parts(sku, 2);
    expect((inFlight[0]?.stock ?? 0) + (inFlight[1]?.stock ?? 0)).toBeLessThan(10);
    await sleep(TRANSFER_RESUME_MS + 100);
    await runDurableObjectAlarm(subStub(sku, 0));
    await eventually(
      () => parts(sku, 2),
      (p) => (p[0]?.stock ?? 0) + (p[1]?.stock ?? 0) === 10,
    );
    const done = await expectInvariant(sku, 2, 10);
    expect(done[0]?.stock).toBeGreaterThan(0);
    expect(await getSku(sku)).toMatchObject({ stock: 10, available: 10 });
  });

  it("changes a spread sku's total at the coordinator, pulling stock back for a decrease", async () => {
    const sku = await spreadSku(10, 2);
    await moveTo(sku, 1, 8);
    await holdOn(sku, 1, 3);
    const up = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 15 }, admin: true });
    expect(up.json).toMatchObject({ stock: 15, held: 3, available: 12 });
    const down = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 4 }, admin: true });
    expect(down.json).toMatchObject({ stock: 4, held: 3, available: 1 });
    await expectInvariant(sku, 2, 4);
    const below = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 2 }, admin: true });
    expectProblem(below, 409, "stock-below-committed");
    expect(await getSku(sku)).toMatchObject({ stock: 4, held: 3 });
  });
});

describe("orders over a spread sku", () => {
  it("confirms an order whose sku's stock sits on other sub-shards", async () => {
    const sku = await spreadSku(5, 3);
    await moveTo(sku, 2, 5); // sub-shard 0, where saga holds live, has nothing
    const r = await placeOrder(`order-${sku}`, [{ sku, quantity: 2 }]);
    expect(r.status).toBe(201);
    expect(r.json.status).toBe("confirmed");
    expect(await getSku(sku)).toMatchObject({ stock: 5, sold: 2, available: 3 });
    await expectInvariant(sku, 3, 5);
  });

  it("compensates a rejected order on the sub-shard that held its item", async () => {
    const sku = await spreadSku(5, 3);
    const scarce = uniqueSku("scarce");
    await putSku(scarce, 0);
    const key = `order-${sku}-rejected`;
    const r = await placeOrder(key, [
      { sku, quantity: 2 },
      { sku: scarce, quantity: 1 },
    ]);
    expect(r.status).toBe(409);
    const orderId = String(r.json.orderId);
    const hold = await sub(sku, 0).call("getHold", { sku, holdId: holdIdOf(orderId, sku) });
    expect(hold.ok ? (hold.value as HoldView).status : hold.code).toBe("released");
    expect(await getSku(sku)).toMatchObject({ stock: 5, held: 0, sold: 0, available: 5 });
  });
});
