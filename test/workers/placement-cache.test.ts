import { describe, expect, it } from "vitest";
import type { Placement } from "../../durable-objects/inventory/protocol";
import {
  PLACEMENT_TTL_MS,
  PLAIN_TTL_MS,
  PlacementCache,
} from "../../durable-objects/inventory/spread/placement-cache";
import { fail, ok, type Reply } from "../../durable-objects/runtime";

const placement = (sku: string, subShards: number): Placement => ({
  sku,
  spread: subShards > 1,
  subShards,
  highest: subShards,
  stock: 100,
  version: 1,
  earlier: [],
});

/** A load that answers `reply` when `release` is called, counting its calls. */
function gatedLoad<T>() {
  const calls = { count: 0 };
  let release: (reply: Reply<T>) => void = () => {};
  const load = () => {
    calls.count += 1;
    return new Promise<Reply<T>>((resolve) => {
      release = resolve;
    });
  };
  return { load, calls, release: (reply: Reply<T>) => release(reply) };
}

describe("PlacementCache", () => {
  it("trusts a spread placement for PLACEMENT_TTL_MS and a plain one for PLAIN_TTL_MS", () => {
    const cache = new PlacementCache();
    cache.set(placement("hot", 4), 0);
    cache.set(placement("cold", 1), 0);
    expect(cache.get("hot", PLACEMENT_TTL_MS - 1)?.subShards).toBe(4);
    expect(cache.get("hot", PLACEMENT_TTL_MS)).toBeUndefined();
    expect(cache.get("cold", PLAIN_TTL_MS - 1)?.subShards).toBe(1);
    expect(cache.get("cold", PLAIN_TTL_MS)).toBeUndefined();
  });

  it("runs one load for concurrent misses of a sku, and they share its answer", async () => {
    const cache = new PlacementCache();
    const gate = gatedLoad<Placement>();
    const first = cache.once("s", gate.load);
    const second = cache.once("s", gate.load);
    gate.release(ok(placement("s", 2)));
    expect(await first).toEqual(await second);
    expect(gate.calls.count).toBe(1);
    // Settled: the next miss loads again.
    const third = cache.once("s", gate.load);
    gate.release(ok(placement("s", 2)));
    await third;
    expect(gate.calls.count).toBe(2);
  });

  it("does not make a miss depend on another request's load: one that never settles is waited for at most the join wait", async () => {
    // In workerd a load started by a request that was then cancelled (its client hung up)
    // can stay pending for ever; a request that joined it must still get an answer.
    const cache = new PlacementCache({ joinWaitMs: 20 });
    const stuck = gatedLoad<Placement>();
    void cache.once("s", stuck.load); // never released
    const own = () => Promise.resolve(ok(placement("s", 3)));
    const started = Date.now();
    expect(await cache.once("s", own)).toEqual(ok(placement("s", 3)));
    expect(Date.now() - started).toBeLessThan(1000);
  }, 3000);

  it("stops joining a load that has run for the join wait: the next miss starts the load later misses join", async () => {
    let now = 0;
    const cache = new PlacementCache({ joinWaitMs: 1000, now: () => now });
    const stuck = gatedLoad<Placement>();
    void cache.once("s", stuck.load); // never released
    now = 1000;
    const fresh = gatedLoad<Placement>();
    const next = cache.once("s", fresh.load); // not made to wait: loads at once
    expect(fresh.calls.count).toBe(1);
    const joined = cache.once("s", fresh.load); // joins the fresh load, not the stuck one
    fresh.release(ok(placement("s", 4)));
    expect(await next).toEqual(ok(placement("s", 4)));
    expect(await joined).toEqual(ok(placement("s", 4)));
    expect(fresh.calls.count).toBe(1);
  });

  it("loads for itself when the load it joined failed: that request's failure (its deadline, say) is not this one's", async () => {
    const cache = new PlacementCache();
    const gate = gatedLoad<Placement>();
    const first = cache.once("s", gate.load);
    const mine = { count: 0 };
    const own = () => {
      mine.count += 1;
      return Promise.resolve(ok(placement("s", 2)));
    };
    const joined = cache.once("s", own);
    gate.release(fail("deadline-exceeded", "the first request's budget ran out"));
    expect(await first).toMatchObject({ ok: false, code: "deadline-exceeded" });
    expect(await joined).toEqual(ok(placement("s", 2)));
    expect(mine.count).toBe(1);
  });
});
