import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
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

  it("retry a failing handler later instead of throwing into the platform's alarm retries", async () => {
    const name = unique("timer");
    await counter(name).call("remind", { name: "fail-always", inMs: 0 });
    await runInDurableObject(counterStub(name), (actor) => actor.alarm());
    const due = await counterStub(name).timerDue("fail-always");
    expect(due).toBeGreaterThan(Date.now());
    expect((await counterStub(name).stored()).fired).toBe(0);
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
