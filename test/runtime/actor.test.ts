import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ok } from "../../durable-objects/runtime";
import { IdempotencyStore } from "../../durable-objects/runtime/idempotency";
import { Timers } from "../../durable-objects/runtime/timers";
import { counter, counterStub, eventually, unique } from "./helpers";

describe("Actor", () => {
  it("rolls back a crashed message's writes", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 5 });
    const crashed = await counter(name).call("add", { by: 3, crash: true });
    expect(crashed).toMatchObject({ ok: false, code: "internal-error" });
    expect((await counterStub(name).stored()).value).toBe(5);
  });

  it("rebuilds in-memory state from storage after a crash", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 5 });
    const before = (await counterStub(name).inspect()).incarnation;
    await counter(name).call("add", { by: 3, crash: true });
    // Memory had 8 before the throw; the next message starts a new incarnation from storage.
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 5 });
    expect((await counterStub(name).inspect()).incarnation).toBeGreaterThan(before);
  });

  it("calls onReset wherever an incarnation ends: a crash, a restart, a stop, a shutdown", async () => {
    const name = unique("solo");
    const stub = counterStub(name);
    await counter(name).call("add", { by: 1 });
    const before = await stub.resets();
    await counter(name).call("add", { by: 1, crash: true });
    expect(await stub.resets()).toBe(before + 1);
    // The next incarnation's memory is rebuilt by onStart, not left as onReset dropped it.
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 1 });
    await stub.restart();
    expect(await stub.resets()).toBe(before + 2);
    await stub.stop("test");
    expect(await stub.resets()).toBe(before + 3);
    await stub.restart();
    await stub.shutdown({ reason: "shutdown", shutdown: 1000 });
    expect(await stub.resets()).toBe(before + 5);
  });

  it("retries a failed onStart on the next message instead of caching the failure", async () => {
    const name = unique("solo");
    await counterStub(name).failNextStarts(1);
    expect(await counter(name).call("get", null)).toMatchObject({
      ok: false,
      code: "internal-error",
    });
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 0 });
  });

  it("keeps its state across eviction", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 7 });
    await abortAllDurableObjects();
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 7 });
  });

  it("replays a keyed command's first result without applying it again", async () => {
    const name = unique("solo");
    const meta = { idempotencyKey: "k1", fingerprint: '{"by":2}' };
    const first = await counter(name).call("add", { by: 2 }, meta);
    const again = await counter(name).call("add", { by: 2 }, meta);
    expect(again).toEqual(first);
    expect((await counterStub(name).stored()).value).toBe(2);
  });

  it("refuses a reused idempotency key with another fingerprint and changes nothing", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 2 }, { idempotencyKey: "k", fingerprint: "a" });
    const reused = await counter(name).call(
      "add",
      { by: 9 },
      { idempotencyKey: "k", fingerprint: "b" },
    );
    expect(reused).toMatchObject({ ok: false, code: "idempotency-key-reused" });
    expect((await counterStub(name).stored()).value).toBe(2);
  });

  it("keeps nothing for a keyed command that crashed, so its retry runs afresh", async () => {
    const name = unique("solo");
    const meta = { idempotencyKey: "k", fingerprint: "f" };
    await counter(name).call("add", { by: 4, crash: true }, meta);
    expect(await counter(name).call("add", { by: 4 }, meta)).toMatchObject({ ok: true, value: 4 });
  });

  it("drops a command whose deadline has already passed", async () => {
    const name = unique("solo");
    const late = await counter(name).call("add", { by: 1 }, { budgetMs: 0 });
    expect(late).toMatchObject({ ok: false, code: "deadline-exceeded" });
    expect((await counterStub(name).stored()).value).toBe(0);
  });

  it("emits one telemetry event per message with its outcome", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 1 });
    await counter(name).call("add", { by: 1 }, { budgetMs: 0 });
    const { commands } = await counterStub(name).inspect();
    expect(commands.add).toMatchObject({ count: 2, outcomes: { ok: 1, "deadline-exceeded": 1 } });
  });
});

describe("Actor cast", () => {
  it("runs the command through the pipeline without the caller waiting for its result", async () => {
    const name = unique("solo");
    await counterStub(name).cast("add", { by: 3 });
    const stored = await eventually(
      async () => (await counterStub(name).stored()).value,
      (v) => v === 3,
    );
    expect(stored).toBe(3);
  });
});

describe("Idempotency records", () => {
  it("expire after their time to live, and the sweep deletes them", async () => {
    await runInDurableObject(counterStub(unique("solo")), (_actor, state) => {
      const timers = new Timers(state.storage);
      const store = new IdempotencyStore(state.storage, timers, 1000);
      const once = (now: number) => store.once("k", "f", now, () => ok(now));
      expect(once(0)).toEqual({ ok: true, value: 0 });
      expect(once(999)).toEqual({ ok: true, value: 0 });
      expect(once(1000)).toEqual({ ok: true, value: 1000 });
      expect(timers.dueAt(IdempotencyStore.SWEEP_TIMER)).toBe(1000);
      store.sweep(5000);
      // Even a lookup "in the past" misses: the row itself is gone.
      expect(store.lookup("k", "f", 0)).toEqual({ kind: "miss" });
    });
  });
});

describe("Actor crash isolation", () => {
  it("never runs a waiting command on the memory a crashed command left behind", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 5 });
    // Both commands wait 30 ms before running; the first changes memory to 8 and crashes.
    await counterStub(name).injectFault({ kind: "latency", count: 2, ms: 30, step: 1 });
    await Promise.all([
      counter(name).call("add", { by: 3, crash: true }),
      counter(name).call("add", { by: 1 }),
    ]);
    expect((await counterStub(name).stored()).value).toBe(6);
  });
});
