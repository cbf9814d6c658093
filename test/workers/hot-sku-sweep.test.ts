import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chooseSubShard, subShardOfHold } from "../../durable-objects/inventory/spread/placement";
import { expectProblem } from "./client";
import {
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

/**
 * The coordinator's sweep: before it answers "exhausted" (which lets a hold answer a final
 * `409 insufficient-stock`), it asks every other sub-shard once, because the parts it knows
 * are only what the sub-shards last reported, and a report can be lost.
 */

type KnownPart = { idx: number; stock: number; held: number; available: number };

/** The parts sub-shard 0 (the coordinator) believes its sub-shards have. */
const knownParts = (sku: string) =>
  runInDurableObject(subStub(sku, 0), (_instance, state) =>
    state.storage.sql
      .exec<KnownPart>(
        "SELECT idx, stock, held, stock - held - sold AS available FROM spread_parts WHERE sku = ? ORDER BY idx",
        sku,
      )
      .toArray(),
  );

/**
 * Makes the coordinator believe sub-shard `i` is fully held, as if the report of a release
 * that freed its units was lost. The version stays the one it knows, so no late report of
 * that version can heal it behind the test's back.
 */
const loseReport = (sku: string, i: number) =>
  runInDurableObject(subStub(sku, 0), (_instance, state) => {
    state.storage.sql.exec(
      "UPDATE spread_parts SET held = stock - sold WHERE sku = ? AND idx = ?",
      sku,
      i,
    );
  });

/**
 * Makes the coordinator believe sub-shard `i` has every unit free, as if the reports of the
 * holds since its last known version were still in flight (version kept, as in `loseReport`).
 */
const staleFree = (sku: string, i: number) =>
  runInDurableObject(subStub(sku, 0), (_instance, state) => {
    state.storage.sql.exec("UPDATE spread_parts SET held = 0 WHERE sku = ? AND idx = ?", sku, i);
  });

/** Waits until the coordinator's record of sub-shard `i` shows `available` free units. */
async function knownAvailable(sku: string, i: number, available: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if ((await knownParts(sku)).find((p) => p.idx === i)?.available === available) return;
    await sleep(20);
  }
  throw new Error(`the coordinator never learned sub-shard ${i} of ${sku} has ${available} free`);
}

/** An `Idempotency-Key` the edge pins to sub-shard `target` of `k` (keys are scoped per sku). */
function keyFor(sku: string, k: number, target: number): string {
  for (let n = 0; ; n++) {
    const key = `sweep-${n}`;
    if (chooseSubShard(k, `hold/${sku}/${key}`) === target) return key;
  }
}

describe("the coordinator's sweep before exhausted", () => {
  it("finds units a lost part report hid: a hold that ran short still succeeds", async () => {
    const sku = await spreadSku(10, 2);
    await moveTo(sku, 1, 10); // every unit on sub-shard 1; sub-shard 0 has none
    expect((await parts(sku, 2)).map((p) => p?.stock ?? 0)).toEqual([0, 10]);
    await loseReport(sku, 1);
    expect((await knownParts(sku)).find((p) => p.idx === 1)).toMatchObject({ available: 0 });
    // Pinned to sub-shard 0, the hold runs short there and asks the coordinator to rebalance;
    // by what the coordinator knows, no other sub-shard has a free unit.
    const headers = { "Idempotency-Key": keyFor(sku, 2, 0) };
    const r = await placeHold(sku, { quantity: 3 }, headers);
    expect(r.status).toBe(201);
    expect(subShardOfHold(String(r.json.holdId))).toBe(0);
    expect(await getSku(sku)).toMatchObject({ stock: 10, held: 3, available: 7 });
    await expectInvariant(sku, 2, 10);
    // The sweep's yield brought the coordinator the real part of sub-shard 1.
    const known = (await knownParts(sku)).find((p) => p.idx === 1);
    const real = (await parts(sku, 2))[1];
    expect(known).toMatchObject({ stock: real?.stock, held: 0 });
    expect(known?.available).toBeGreaterThan(0);
  });

  it("answers the rebalance with moved units, not exhausted, and a later real sell-out is still 409", async () => {
    const sku = await spreadSku(4, 2);
    await moveTo(sku, 1, 4);
    await loseReport(sku, 1);
    const r = await sub(sku, 0).call("rebalance", { sku, target: 0, want: 1 }, { reserved: true });
    expect(r).toMatchObject({ ok: true, value: { exhausted: false } });
    expect(r.ok && r.value.moved).toBeGreaterThanOrEqual(1);
    await expectInvariant(sku, 2, 4);
    // Every unit held: the sweep found nothing free, so the answer is final.
    for (let i = 0; i < 4; i++) expect((await placeHold(sku, { quantity: 1 })).status).toBe(201);
    expectProblem(await placeHold(sku, { quantity: 1 }), 409, "insufficient-stock");
  });

  it("asks the sub-shards the reports called empty when the ones they called free had nothing", async () => {
    const sku = await spreadSku(10, 3);
    await moveTo(sku, 1, 10); // every unit on sub-shard 1
    await moveTo(sku, 2, 4); // some of them (at least 4) to sub-shard 2
    const [none, onOne, onTwo] = (await parts(sku, 3)).map((p) => p?.stock ?? 0);
    expect({ none, both: (onOne ?? 0) + (onTwo ?? 0) }).toEqual({ none: 0, both: 10 });
    expect(onOne).toBeGreaterThanOrEqual(2);
    await holdOn(sku, 2, onTwo ?? 0); // sub-shard 2 fully held…
    await knownAvailable(sku, 2, 0);
    await staleFree(sku, 2); // …but the coordinator thinks its units are free,
    await loseReport(sku, 1); // and that sub-shard 1, which has free units, has none.
    // Pinned to sub-shard 0: short there; the only donor the reports name gives nothing.
    const headers = { "Idempotency-Key": keyFor(sku, 3, 0) };
    const r = await placeHold(sku, { quantity: 2 }, headers);
    expect(r.status).toBe(201);
    expect(subShardOfHold(String(r.json.holdId))).toBe(0);
    expect(await getSku(sku)).toMatchObject({ stock: 10, held: (onTwo ?? 0) + 2 });
    await expectInvariant(sku, 3, 10);
  });
});
