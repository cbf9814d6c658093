import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { HoldView, SkuView } from "../../durable-objects";
import {
  type EdgeReply,
  eventually,
  expectProblem,
  getSku,
  http,
  inventoryShard,
  putSku,
  uniqueSku,
} from "./client";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const asHold = (r: EdgeReply) => r.json as unknown as HoldView;
const asSku = (r: EdgeReply) => r.json as unknown as SkuView;

function placeHold(sku: string, body: unknown, headers: Record<string, string> = {}) {
  return http("POST", `/v1/skus/${sku}/holds`, { body, headers });
}
const readHold = (sku: string, holdId: string) => http("GET", `/v1/skus/${sku}/holds/${holdId}`);
const confirm = (sku: string, holdId: string) =>
  http("POST", `/v1/skus/${sku}/holds/${holdId}/confirm`);
const release = (sku: string, holdId: string) => http("DELETE", `/v1/skus/${sku}/holds/${holdId}`);

/** A new sku with `stock` units and one active hold of `quantity` on it. */
async function skuWithHold(stock: number, quantity: number, ttlSeconds?: number) {
  const sku = uniqueSku();
  await putSku(sku, stock);
  const r = await placeHold(
    sku,
    ttlSeconds === undefined ? { quantity } : { quantity, ttlSeconds },
  );
  expect(r.status).toBe(201);
  return { sku, holdId: asHold(r).holdId };
}

/** Waits past a 1-second hold's expiry, drives the shard's alarm, and polls until expired. */
async function expireHold(sku: string, holdId: string): Promise<HoldView> {
  await sleep(1100);
  await runDurableObjectAlarm(inventoryShard(sku));
  const r = await eventually(
    () => readHold(sku, holdId),
    (answer) => asHold(answer).status === "expired",
  );
  return asHold(r);
}

const stockEvents = async (sku: string) =>
  (await inventoryShard(sku).stockEvents(sku)).map((event) => event.type);

describe("PUT /v1/skus/:sku", () => {
  it("creates a sku with 200 and a SkuView whose available equals its stock", async () => {
    const sku = uniqueSku();
    const r = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 10 }, admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      sku,
      stock: 10,
      available: 10,
      held: 0,
      sold: 0,
      version: expect.any(Number),
    });
  });

  it("sets the stock of an existing sku, keeping its held and sold units", async () => {
    const { sku, holdId } = await skuWithHold(10, 3);
    expect((await confirm(sku, holdId)).status).toBe(200);
    await placeHold(sku, { quantity: 2 });
    const r = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 20 }, admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ stock: 20, held: 2, sold: 3, available: 15 });
  });

  it("increases the version on every change", async () => {
    const sku = uniqueSku();
    const versions = [
      asSku(await http("PUT", `/v1/skus/${sku}`, { body: { stock: 10 }, admin: true })).version,
    ];
    const first = asHold(await placeHold(sku, { quantity: 2 }));
    versions.push((await getSku(sku)).version);
    await confirm(sku, first.holdId);
    versions.push((await getSku(sku)).version);
    const second = asHold(await placeHold(sku, { quantity: 1 }));
    versions.push((await getSku(sku)).version);
    await release(sku, second.holdId);
    versions.push((await getSku(sku)).version);
    versions.push(
      asSku(await http("PUT", `/v1/skus/${sku}`, { body: { stock: 12 }, admin: true })).version,
    );
    for (let i = 1; i < versions.length; i++) {
      expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? Number.POSITIVE_INFINITY);
    }
  });

  it("answers 409 stock-below-committed when stock would drop below held + sold, changing nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 3);
    expect((await confirm(sku, holdId)).status).toBe(200);
    expect((await placeHold(sku, { quantity: 4 })).status).toBe(201);
    const before = await getSku(sku);
    const r = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 6 }, admin: true });
    expectProblem(r, 409, "stock-below-committed");
    expect(await getSku(sku)).toEqual(before);
  });

  it("accepts stock equal to held + sold, leaving nothing available", async () => {
    const { sku } = await skuWithHold(10, 4);
    const r = await http("PUT", `/v1/skus/${sku}`, { body: { stock: 4 }, admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ stock: 4, held: 4, available: 0 });
  });
});

describe("GET /v1/skus/:sku", () => {
  it("answers 200 with the SkuView the last change produced", async () => {
    const sku = uniqueSku();
    const created = await putSku(sku, 7);
    const r = await http("GET", `/v1/skus/${sku}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(created);
  });

  it("answers 404 not-found for an unknown sku", async () => {
    expectProblem(await http("GET", `/v1/skus/${uniqueSku("missing")}`), 404, "not-found");
  });
});

describe("POST /v1/skus/:sku/holds", () => {
  it("answers 201 with an active HoldView that expires after the default 300 s", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const sent = Date.now();
    const r = await placeHold(sku, { quantity: 3 });
    expect(r.status).toBe(201);
    const hold = asHold(r);
    expect(hold).toEqual({
      holdId: expect.any(String),
      sku,
      quantity: 3,
      status: "active",
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    const expiresAt = Date.parse(hold.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(sent + 300_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000 + 1000);
  });

  it("moves the held quantity from available to held", async () => {
    const sku = uniqueSku();
    const before = asSku(
      await http("PUT", `/v1/skus/${sku}`, { body: { stock: 10 }, admin: true }),
    );
    expect((await placeHold(sku, { quantity: 3 })).status).toBe(201);
    const after = await getSku(sku);
    expect(after).toMatchObject({ stock: 10, available: 7, held: 3, sold: 0 });
    expect(after.version).toBeGreaterThan(before.version);
  });

  it("holds exactly what is available", async () => {
    const { sku } = await skuWithHold(5, 2);
    expect((await placeHold(sku, { quantity: 3 })).status).toBe(201);
    expect(await getSku(sku)).toMatchObject({ available: 0, held: 5 });
  });

  it("answers 409 insufficient-stock when the hold exceeds available, holding nothing", async () => {
    const { sku } = await skuWithHold(5, 4);
    const before = await getSku(sku);
    expectProblem(await placeHold(sku, { quantity: 2 }), 409, "insufficient-stock");
    expect(await getSku(sku)).toEqual(before);
  });

  it("answers 404 not-found for a hold on an unknown sku", async () => {
    const sku = uniqueSku("missing");
    expectProblem(await placeHold(sku, { quantity: 1 }), 404, "not-found");
    expectProblem(await http("GET", `/v1/skus/${sku}`), 404, "not-found");
  });
});

describe("GET /v1/skus/:sku/holds/:holdId", () => {
  it("answers 200 with the HoldView the placement returned", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const placed = await placeHold(sku, { quantity: 2 });
    const r = await readHold(sku, asHold(placed).holdId);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(placed.json);
  });

  it("answers 404 not-found for an unknown hold", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    expectProblem(await readHold(sku, "h_unknown"), 404, "not-found");
  });

  it("answers 404 not-found when the hold belongs to another sku", async () => {
    const { holdId } = await skuWithHold(5, 1);
    const other = uniqueSku();
    await putSku(other, 5);
    expectProblem(await readHold(other, holdId), 404, "not-found");
  });
});

describe("POST /v1/skus/:sku/holds/:holdId/confirm", () => {
  it("answers 200 with a confirmed HoldView and moves the quantity from held to sold", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const r = await confirm(sku, holdId);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ holdId, sku, quantity: 4, status: "confirmed" });
    expect(await getSku(sku)).toMatchObject({ stock: 10, available: 6, held: 0, sold: 4 });
  });

  it("answers a repeated confirm with the same 200 and changes nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const first = await confirm(sku, holdId);
    const before = await getSku(sku);
    const again = await confirm(sku, holdId);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await getSku(sku)).toEqual(before);
  });

  it("answers 409 hold-not-active for a released hold, changing nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    expect((await release(sku, holdId)).status).toBe(200);
    const before = await getSku(sku);
    expectProblem(await confirm(sku, holdId), 409, "hold-not-active");
    expect(await getSku(sku)).toEqual(before);
    expect(asHold(await readHold(sku, holdId)).status).toBe("released");
  });

  it("answers 404 not-found for an unknown hold", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    expectProblem(await confirm(sku, "h_unknown"), 404, "not-found");
  });
  it("answers 404 not-found when confirming a hold through another sku, changing nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const other = uniqueSku();
    await putSku(other, 10);
    const [mine, theirs] = [await getSku(sku), await getSku(other)];
    expectProblem(await confirm(other, holdId), 404, "not-found");
    expect(await getSku(sku)).toEqual(mine);
    expect(await getSku(other)).toEqual(theirs);
    expect(asHold(await readHold(sku, holdId)).status).toBe("active");
  });
});

describe("DELETE /v1/skus/:sku/holds/:holdId", () => {
  it("answers 200 with a released HoldView and returns the quantity to available", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const r = await release(sku, holdId);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ holdId, sku, quantity: 4, status: "released" });
    expect(await getSku(sku)).toMatchObject({ available: 10, held: 0, sold: 0 });
  });

  it("answers a repeated release with the same 200 and changes nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const first = await release(sku, holdId);
    const before = await getSku(sku);
    const again = await release(sku, holdId);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await getSku(sku)).toEqual(before);
  });

  it("answers 409 hold-not-active for a confirmed hold, changing nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    expect((await confirm(sku, holdId)).status).toBe(200);
    const before = await getSku(sku);
    expectProblem(await release(sku, holdId), 409, "hold-not-active");
    expect(await getSku(sku)).toEqual(before);
    expect(asHold(await readHold(sku, holdId)).status).toBe("confirmed");
  });

  it("answers 404 not-found for an unknown hold", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    expectProblem(await release(sku, "h_unknown"), 404, "not-found");
  });
  it("answers 404 not-found when releasing a hold through another sku, changing nothing", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const other = uniqueSku();
    await putSku(other, 10);
    const [mine, theirs] = [await getSku(sku), await getSku(other)];
    expectProblem(await release(other, holdId), 404, "not-found");
    expect(await getSku(sku)).toEqual(mine);
    expect(await getSku(other)).toEqual(theirs);
    expect(asHold(await readHold(sku, holdId)).status).toBe("active");
  });
});

describe("hold expiry", () => {
  it("expires a hold at expiresAt when its shard's alarm fires, returning its quantity to available", async () => {
    const { sku, holdId } = await skuWithHold(5, 2, 1);
    const before = await getSku(sku);
    expect(await expireHold(sku, holdId)).toMatchObject({ holdId, status: "expired" });
    const after = await getSku(sku);
    expect(after).toMatchObject({ stock: 5, available: 5, held: 0, sold: 0 });
    expect(after.version).toBeGreaterThan(before.version);
  });

  it("answers 409 hold-not-active when an expired hold is released", async () => {
    const { sku, holdId } = await skuWithHold(5, 2, 1);
    await expireHold(sku, holdId);
    const before = await getSku(sku);
    expectProblem(await release(sku, holdId), 409, "hold-not-active");
    expect(await getSku(sku)).toEqual(before);
  });

  it("answers 409 hold-not-active when an expired hold is confirmed", async () => {
    const { sku, holdId } = await skuWithHold(5, 2, 1);
    await expireHold(sku, holdId);
    const before = await getSku(sku);
    expectProblem(await confirm(sku, holdId), 409, "hold-not-active");
    expect(await getSku(sku)).toEqual(before);
  });
});

describe("Idempotency-Key on POST holds", () => {
  it("replays the same key and body with the same status and an identical body, holding nothing more", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const headers = { "Idempotency-Key": `key-${sku}` };
    const first = await placeHold(sku, { quantity: 3 }, headers);
    expect(first.status).toBe(201);
    const before = await getSku(sku);
    const replay = await placeHold(sku, { quantity: 3 }, headers);
    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
    expect(await getSku(sku)).toEqual(before);
  });

  it("treats an explicit ttlSeconds 300 as the same body as leaving it out", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const headers = { "Idempotency-Key": `key-${sku}` };
    const first = await placeHold(sku, { quantity: 3 }, headers);
    const replay = await placeHold(sku, { quantity: 3, ttlSeconds: 300 }, headers);
    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
    expect(await getSku(sku)).toMatchObject({ held: 3, available: 7 });
  });

  it("answers 422 idempotency-key-reused for the same key with a different body, holding nothing more", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const headers = { "Idempotency-Key": `key-${sku}` };
    expect((await placeHold(sku, { quantity: 1 }, headers)).status).toBe(201);
    const before = await getSku(sku);
    expectProblem(await placeHold(sku, { quantity: 2 }, headers), 422, "idempotency-key-reused");
    expectProblem(
      await placeHold(sku, { quantity: 1, ttlSeconds: 60 }, headers),
      422,
      "idempotency-key-reused",
    );
    expect(await getSku(sku)).toEqual(before);
  });

  it("gives 10 concurrent duplicates one hold and identical answers", async () => {
    const sku = uniqueSku();
    await putSku(sku, 100);
    const headers = { "Idempotency-Key": `key-${sku}` };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => placeHold(sku, { quantity: 2 }, headers)),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(answer.json).toEqual(answers[0]?.json);
    }
    expect(await getSku(sku)).toMatchObject({ held: 2, available: 98 });
  });

  it("replays an answer that was 409 as 409, even after stock was added", async () => {
    const sku = uniqueSku();
    await putSku(sku, 2);
    const headers = { "Idempotency-Key": `key-${sku}` };
    const first = await placeHold(sku, { quantity: 5 }, headers);
    expectProblem(first, 409, "insufficient-stock");
    await putSku(sku, 10);
    const replay = await placeHold(sku, { quantity: 5 }, headers);
    expectProblem(replay, 409, "insufficient-stock");
    expect(replay.json).toEqual(first.json);
    expect(await getSku(sku)).toMatchObject({ held: 0, available: 10 });
  });

  it("replays the original answer after the hold was confirmed", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const headers = { "Idempotency-Key": `key-${sku}` };
    const first = await placeHold(sku, { quantity: 3 }, headers);
    expect((await confirm(sku, asHold(first).holdId)).status).toBe(200);
    const replay = await placeHold(sku, { quantity: 3 }, headers);
    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
    expect(await getSku(sku)).toMatchObject({ held: 0, sold: 3, available: 7 });
  });

  it("runs a keyed hold afresh after a 5xx, since nothing of the failed attempt was kept", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const fault = { service: "inventory", sku, kind: "crash" };
    expect((await http("POST", "/v1/ops/faults", { body: fault, admin: true })).status).toBe(201);
    const headers = { "Idempotency-Key": `key-${sku}` };
    expectProblem(await placeHold(sku, { quantity: 3 }, headers), 500, "internal-error");
    expect(await getSku(sku)).toMatchObject({ held: 0, available: 10 });
    const retry = await placeHold(sku, { quantity: 3 }, headers);
    expect(retry.status).toBe(201);
    expect(await getSku(sku)).toMatchObject({ held: 3, available: 7 });
  });

  it("scopes a key to its sku: the same key on another sku places a new hold", async () => {
    const a = uniqueSku();
    const b = uniqueSku();
    await putSku(a, 5);
    await putSku(b, 5);
    const headers = { "Idempotency-Key": `shared-${a}` };
    const onA = await placeHold(a, { quantity: 1 }, headers);
    const onB = await placeHold(b, { quantity: 1 }, headers);
    expect([onA.status, onB.status]).toEqual([201, 201]);
    expect(asHold(onB)).toMatchObject({ sku: b });
    expect(asHold(onB).holdId).not.toBe(asHold(onA).holdId);
    expect(await getSku(b)).toMatchObject({ held: 1 });
  });
});

describe("concurrency", () => {
  it("never oversells: 200 concurrent holds of 1 on stock 50 give 50 × 201 and 150 × 409", async () => {
    const sku = uniqueSku();
    await putSku(sku, 50);
    const headers = { "CF-Connecting-IP": `203.0.113.${Math.floor(Math.random() * 250) + 1}` };
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => placeHold(sku, { quantity: 1 }, headers)),
    );
    const tally = (status: number) => answers.filter((a) => a.status === status).length;
    expect({ created: tally(201), refused: tally(409), total: answers.length }).toEqual({
      created: 50,
      refused: 150,
      total: 200,
    });
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.json?.code).toBe("insufficient-stock");
    }
    const holdIds = new Set(answers.filter((a) => a.status === 201).map((a) => asHold(a).holdId));
    expect(holdIds.size).toBe(50);
    expect(await getSku(sku)).toMatchObject({ stock: 50, held: 50, available: 0, sold: 0 });
  }, 30_000);
});

describe("stock events", () => {
  it("records stock-depleted when available reaches 0", async () => {
    const { sku } = await skuWithHold(3, 3);
    expect(await stockEvents(sku)).toEqual(["stock-depleted"]);
  });

  it("records stock-depleted only once while available stays at 0", async () => {
    const { sku, holdId } = await skuWithHold(3, 3);
    expect((await confirm(sku, holdId)).status).toBe(200);
    expect(await getSku(sku)).toMatchObject({ available: 0, sold: 3 });
    expect(await stockEvents(sku)).toEqual(["stock-depleted"]);
  });

  it("records stock-replenished when a release raises available above 0 again", async () => {
    const { sku, holdId } = await skuWithHold(3, 3);
    expect((await release(sku, holdId)).status).toBe(200);
    expect(await stockEvents(sku)).toEqual(["stock-depleted", "stock-replenished"]);
  });

  it("records stock-replenished when stock is raised on a depleted sku", async () => {
    const { sku } = await skuWithHold(3, 3);
    await putSku(sku, 4);
    expect(await stockEvents(sku)).toEqual(["stock-depleted", "stock-replenished"]);
  });

  it("records no stock-depleted for a sku created with stock 0", async () => {
    const sku = uniqueSku();
    await putSku(sku, 0);
    expect(await stockEvents(sku)).toEqual([]);
  });
});
