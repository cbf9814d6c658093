import { runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alarmId } from "../../core/alarms";
import type { HoldView, SkuView } from "../../durable-objects";
import { chooseSubShard } from "../../durable-objects/inventory/spread/placement";
import { TRANSFER_RESUME_MS } from "../../durable-objects/inventory/spread/rebalance";
import { holdIdOf } from "../../durable-objects/orders/saga";
import {
  eventually,
  expectProblem,
  http,
  injectFault,
  inventoryShard,
  placeOrder,
  putSku,
  uniqueSku,
} from "./client";
import {
  alarmEvents,
  expectInvariant,
  getSku,
  holdOn,
  moveTo,
  parts,
  placeHold,
  sleep,
  spreadSku,
  sub,
  subStub,
} from "./hot-sku-helpers";

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

  it("setting a spread sku's stock to 0 raises no stock-depleted, and setting it back leaves none", async () => {
    const sku = await spreadSku(300, 4);
    const id = alarmId("stock-depleted", sku);
    expect((await http("PUT", `/v1/skus/${sku}`, { body: { stock: 0 }, admin: true })).status).toBe(
      200,
    );
    expect(await getSku(sku)).toMatchObject({ stock: 0, available: 0 });
    expect(
      (await http("PUT", `/v1/skus/${sku}`, { body: { stock: 300 }, admin: true })).status,
    ).toBe(200);
    await sleep(200); // a raise would have been reported by now
    expect(await alarmEvents(id)).toEqual([]);
    expect(await inventoryShard(sku).stockEvents(sku)).toEqual([]);
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

describe("keyed holds across a change of K", () => {
  /** A key whose sub-shard under K = `from` differs from its sub-shard under K = `to`. */
  function keyMoving(sku: string, from: number, to: number): string {
    for (let n = 0; ; n++) {
      const key = `k-${n}`;
      const scoped = `hold/${sku}/${key}`;
      if (chooseSubShard(from, scoped) !== chooseSubShard(to, scoped)) return key;
    }
  }

  it("replays a keyed hold's first answer after K changed, and holds nothing more", async () => {
    const sku = await spreadSku(20, 2);
    const key = keyMoving(sku, 2, 3);
    const headers = { "Idempotency-Key": key };
    const first = await placeHold(sku, { quantity: 2 }, headers);
    expect(first.status).toBe(201);
    await http("PUT", `/v1/skus/${sku}/placement`, { body: { subShards: 3 }, admin: true });
    const again = await placeHold(sku, { quantity: 2 }, headers);
    expect(again).toMatchObject({ status: 201, json: first.json });
    expectProblem(await placeHold(sku, { quantity: 3 }, headers), 422, "idempotency-key-reused");
    expect(await getSku(sku)).toMatchObject({ held: 2 });
    const placement = await http("GET", `/v1/skus/${sku}/placement`, { admin: true });
    expect(placement.json.earlier).toEqual([1, 2]); // plain (K = 1) before it was spread
  });

  it("replays a keyed hold placed before the sku was spread", async () => {
    const sku = uniqueSku("hot");
    await putSku(sku, 10);
    const headers = { "Idempotency-Key": keyMoving(sku, 1, 4) };
    const first = await placeHold(sku, { quantity: 1 }, headers);
    await http("PUT", `/v1/skus/${sku}/placement`, { body: { subShards: 4 }, admin: true });
    expect(await placeHold(sku, { quantity: 1 }, headers)).toMatchObject({
      status: 201,
      json: first.json,
    });
    expect(await getSku(sku)).toMatchObject({ stock: 10, held: 1 });
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

describe("an edge whose cached placement is stale", () => {
  it("learns that a sku it thought plain is spread from the home's placement-moved", async () => {
    const sku = uniqueSku("hot");
    await putSku(sku, 8);
    expect(await getSku(sku)).toMatchObject({ stock: 8 }); // this isolate now caches it plain
    // Spread behind the edge's back (straight to the home), all stock moved off sub-shard 0.
    const spread = await sub(sku, 0).call("setPlacement", { sku, subShards: 2 });
    expect(spread).toMatchObject({ ok: true });
    await moveTo(sku, 1, 8);
    const direct = await sub(sku, 0).call("placeHold", { sku, quantity: 1, ttlSeconds: 60 });
    expect(direct).toMatchObject({ ok: false, code: "placement-moved" });
    const r = await placeHold(sku, { quantity: 1 });
    expect(r.status).toBe(201);
    expect(await getSku(sku)).toMatchObject({ stock: 8, held: 1, available: 7 });
  });

  it("answers other readers of the home's getSku with the coordinator's aggregate view", async () => {
    const sku = await spreadSku(9, 3);
    await moveTo(sku, 2, 4);
    await holdOn(sku, 2, 2);
    // The events route greets listeners with this view; sub-shard 2's report may lag.
    const view = await eventually(
      () => sub(sku, 0).call("getSku", { sku }),
      (r) => r.ok && r.value.held === 2,
    );
    expect(view).toMatchObject({ ok: true, value: { sku, stock: 9, held: 2, available: 7 } });
    const gathered = await sub(sku, 0).call("getSku", { sku, gather: true });
    expect(gathered).toMatchObject({ ok: false, code: "placement-moved" });
  });
});

describe("live events of a spread sku", () => {
  it("sends the aggregate view on connect and after a change on another sub-shard", async () => {
    const sku = await spreadSku(10, 3);
    await moveTo(sku, 2, 4);
    const response = await exports.default.fetch(`http://edge.test/v1/skus/${sku}/events`, {
      headers: { Upgrade: "websocket" },
    });
    const ws = response.webSocket;
    if (response.status !== 101 || !ws) throw new Error(`no upgrade: ${response.status}`);
    const messages: SkuView[] = [];
    ws.addEventListener("message", (event) => {
      messages.push(JSON.parse(String(event.data)));
    });
    ws.accept();
    try {
      await eventually(
        async () => messages.length,
        (n) => n >= 1,
      );
      expect(messages[0]).toMatchObject({ stock: 10, available: 10, held: 0 });
      await holdOn(sku, 2, 3);
      const seen = await eventually(
        async () => messages.at(-1),
        (m) => m?.held === 3,
      );
      expect(seen).toMatchObject({ sku, stock: 10, held: 3, available: 7 });
      // Only the coordinator publishes: no listener ever sees one sub-shard's part as the sku.
      expect(messages.map((m) => m.stock)).toEqual(messages.map(() => 10));
    } finally {
      const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
      ws.close(1000, "test over");
      await closed;
    }
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
