import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Timers } from "../../durable-objects/runtime/timers";
import { counter, counterStub, eventually, unique } from "./helpers";

const fired = (name: string) => async () => (await counterStub(name).stored()).fired;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Timers", () => {
  it("fire through the object's alarm", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "a", inMs: 50 });
    await sleep(60);
    await runDurableObjectAlarm(counterStub(name));
    expect(await eventually(fired(name), (n) => n === 1)).toBe(1);
  });

  it("multiplex several named timers onto the one alarm", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "a", inMs: 0 });
    await counter(name).call("remind", { name: "b", inMs: 10 });
    await counter(name).call("remind", { name: "c", inMs: 60_000 });
    expect(await eventually(fired(name), (n) => n === 2)).toBe(2);
    expect(await counterStub(name).timerDue("c")).toBeGreaterThan(Date.now());
  });

  it("are idempotent when the alarm fires twice", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "a", inMs: 0 });
    await runInDurableObject(counterStub(name), async (actor) => {
      await actor.alarm();
      await actor.alarm();
    });
    await sleep(20);
    expect(await counterStub(name).stored()).toMatchObject({ fired: 1 });
  });

  it("survive eviction", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "a", inMs: 40 });
    await abortAllDurableObjects();
    expect(await eventually(fired(name), (n) => n === 1)).toBe(1);
  });

  it("keep a timer its handler set again, even for a time the clock passed while it ran", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "again", inMs: 0 });
    // The first firing sets "again" for epoch 1 ms: it must fire once more, not be consumed.
    expect(await eventually(fired(name), (n) => n === 2)).toBe(2);
    expect(await counterStub(name).timerDue("again")).toBeNull();
  });

  it("retry a failing handler later instead of throwing into the platform's alarm retries", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "fail-always", inMs: 0 });
    await runInDurableObject(counterStub(name), (actor) => actor.alarm());
    const due = await counterStub(name).timerDue("fail-always");
    expect(due).toBeGreaterThan(Date.now());
    expect((await counterStub(name).stored()).fired).toBe(0);
  });
});

describe("Timer arming", () => {
  it("moves the alarm only when the earliest timer comes earlier; a timer moved later leaves a wake-up that re-arms", async () => {
    await runInDurableObject(counterStub(unique("arming")), async (_actor, state) => {
      const timers = new Timers(state.storage);
      const t = Date.now() + 60_000;
      timers.schedule("a", t);
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t);
      timers.schedule("b", t + 1000); // later than the armed alarm: nothing to arm
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t);
      timers.schedule("c", t - 1000); // earlier: the alarm follows
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t - 1000);
      timers.schedule("c", t + 5000); // moved later: the alarm stays early ...
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t - 1000);
      timers.alarmFired(); // ... and the wake-up, finding nothing due, re-arms for the earliest
      expect(timers.due(Date.now())).toEqual([]);
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t);
      timers.cancel("a");
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t + 1000);
    });
  });

  it("points the alarm at one timer alone while the others wait, and the next arm looks at them all again", async () => {
    await runInDurableObject(counterStub(unique("arm-only")), async (_actor, state) => {
      const timers = new Timers(state.storage);
      const t = Date.now() + 60_000;
      timers.schedule("soon", t);
      timers.schedule("later", t + 5000);
      timers.schedule("last", t + 9000);
      await timers.arm();
      expect(await state.storage.getAlarm()).toBe(t);
      await timers.armOnly("later");
      expect(await state.storage.getAlarm()).toBe(t + 5000);
      expect(timers.latestDueExcept("last")).toBe(t + 5000);
      expect(timers.latestDueExcept("last", "later")).toBe(t);
      expect(timers.latestDueExcept("soon", "later", "last")).toBeNull();
      await timers.arm(); // e.g. a restart: every timer counts again
      expect(await state.storage.getAlarm()).toBe(t);
      await timers.armOnly("unset"); // no such timer: no alarm
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });
});

describe("Timer atomicity", () => {
  it("rolls back a synchronous handler's writes when it throws and keeps the timer for a later retry", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "torn", inMs: 0 });
    await runInDurableObject(counterStub(name), (actor) => actor.alarm());
    expect((await counterStub(name).stored()).fired).toBe(0);
    expect(await counterStub(name).timerDue("torn")).toBeGreaterThan(Date.now());
  });
});
