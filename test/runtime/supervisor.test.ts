import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { counter, counterStub, incarnations, supervise, supervisor, unique } from "./helpers";

const IDS = ["a", "b", "c"];
const crash = (name: string, id: string) =>
  counter(`${name}/${id}`).call("add", { by: 1, crash: true });
const exitReport = (childId: string, at: number) => ({ childId, reason: "boom", at });

describe("Supervisor strategies", () => {
  it("restarts only the crashed child under one_for_one", async () => {
    const name = unique("s");
    await supervise(name, IDS, { strategy: "one_for_one", intensity: 5, periodMs: 10_000 });
    const before = await incarnations(name, IDS);
    await crash(name, "b");
    const after = await incarnations(name, IDS);
    expect(after.a).toBe(before.a);
    expect(after.b).toBeGreaterThan(before.b ?? 0);
    expect(after.c).toBe(before.c);
  });

  it("restarts every sibling under one_for_all", async () => {
    const name = unique("s");
    await supervise(name, IDS, { strategy: "one_for_all", intensity: 5, periodMs: 10_000 });
    const before = await incarnations(name, IDS);
    await crash(name, "b");
    const after = await incarnations(name, IDS);
    for (const id of IDS) expect(after[id]).toBeGreaterThan(before[id] ?? 0);
  });

  it("restarts the crashed child and those started after it under rest_for_one", async () => {
    const name = unique("s");
    await supervise(name, IDS, { strategy: "rest_for_one", intensity: 5, periodMs: 10_000 });
    const before = await incarnations(name, IDS);
    await crash(name, "b");
    const after = await incarnations(name, IDS);
    expect(after.a).toBe(before.a);
    expect(after.b).toBeGreaterThan(before.b ?? 0);
    expect(after.c).toBeGreaterThan(before.c ?? 0);
  });

  it("counts the restart and the last crash in the child's view", async () => {
    const name = unique("s");
    const sup = await supervise(name, IDS, { intensity: 5, periodMs: 10_000 });
    await crash(name, "a");
    const view = await sup.view();
    expect(view.children.find((c) => c.id === "a")).toMatchObject({
      status: "running",
      restarts: 1,
      lastCrash: { reason: "crash requested" },
    });
  });

  it("serves again right after a crash, from durable state", async () => {
    const name = unique("s");
    await supervise(name, ["a"], { intensity: 5, periodMs: 10_000 });
    await counter(`${name}/a`).call("add", { by: 2 });
    await crash(name, "a");
    expect(await counter(`${name}/a`).call("get", null)).toMatchObject({ ok: true, value: 2 });
  });
});

describe("Supervisor restart types", () => {
  it("does not restart a transient child after a normal exit", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 5, periodMs: 10_000 }, {}, "transient");
    await counterStub(`${name}/a`).exitWith("normal");
    expect((await sup.view()).children[0]).toMatchObject({ status: "exited", restarts: 0 });
    expect(await counter(`${name}/a`).call("add", { by: 1 })).toMatchObject({
      ok: false,
      code: "service-unavailable",
    });
  });

  it("restarts a transient child after an abnormal exit", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 5, periodMs: 10_000 }, {}, "transient");
    await crash(name, "a");
    expect((await sup.view()).children[0]).toMatchObject({ status: "running", restarts: 1 });
  });

  it("never restarts a temporary child", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 5, periodMs: 10_000 }, {}, "temporary");
    await crash(name, "a");
    expect((await sup.view()).children[0]).toMatchObject({ status: "down", restarts: 0 });
    expect(await counter(`${name}/a`).call("add", { by: 1 })).toMatchObject({
      code: "service-unavailable",
    });
  });

  it("restarts a permanent child even after a normal exit", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 5, periodMs: 10_000 });
    await counterStub(`${name}/a`).exitWith("normal");
    expect((await sup.view()).children[0]).toMatchObject({ status: "running" });
    expect(await counter(`${name}/a`).call("add", { by: 1 })).toMatchObject({ ok: true });
  });
});

describe("Supervisor restart intensity", () => {
  it("escalates on the 4th crash inside the window with intensity 3 and period 10 s", async () => {
    const name = unique("s");
    const sup = await supervise(name, IDS, { intensity: 3, periodMs: 10_000 });
    const t = Date.now();
    for (const at of [t, t + 1000, t + 2000]) await sup.childExited(exitReport("a", at));
    expect((await sup.view()).status).toBe("running");
    await sup.childExited(exitReport("a", t + 3000));
    expect(await sup.view()).toMatchObject({
      status: "stopped",
      reason: "reached_max_restart_intensity: a",
    });
  });

  it("does not escalate on a 4th crash outside the window", async () => {
    const name = unique("s");
    const sup = await supervise(name, IDS, { intensity: 3, periodMs: 10_000 });
    const t = Date.now();
    for (const at of [t, t + 1000, t + 2000, t + 12_500])
      await sup.childExited(exitReport("a", at));
    expect((await sup.view()).status).toBe("running");
  });

  it("escalates on the first crash with intensity 0", async () => {
    const name = unique("s");
    const sup = await supervise(name, IDS, { intensity: 0, periodMs: 5000 });
    await crash(name, "b");
    expect(await sup.view()).toMatchObject({
      status: "stopped",
      reason: "reached_max_restart_intensity: b",
    });
  });

  it("stops every child when it gives up", async () => {
    const name = unique("s");
    await supervise(name, IDS, { intensity: 0, periodMs: 5000 });
    await crash(name, "b");
    for (const id of IDS) {
      expect(await counter(`${name}/${id}`).call("add", { by: 1 })).toMatchObject({
        code: "service-unavailable",
      });
    }
  });

  it("counts real crashes in the window: intensity + 1 crashes escalate", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 2, periodMs: 60_000 });
    await crash(name, "a");
    await crash(name, "a");
    expect((await sup.view()).status).toBe("running");
    await crash(name, "a");
    expect((await sup.view()).status).toBe("stopped");
  });

  it("counts failed restarts toward intensity", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 2, periodMs: 60_000 });
    await counterStub(`${name}/a`).failNextStarts(5);
    await crash(name, "a");
    expect(await sup.view()).toMatchObject({
      status: "stopped",
      reason: "reached_max_restart_intensity: a",
    });
    // Two restart attempts failed; the third restart in the window exceeded intensity 2.
    expect((await sup.view()).children[0]?.restarts).toBe(2);
  });

  it("remembers its restart history across eviction", async () => {
    const name = unique("s");
    await supervise(name, ["a"], { intensity: 2, periodMs: 60_000 });
    await crash(name, "a");
    await crash(name, "a");
    await abortAllDurableObjects();
    await crash(name, "a");
    expect((await supervisor(name).view()).status).toBe("stopped");
  });
});

describe("Supervision tree", () => {
  /** root (temporary service children) → service supervisor → actors. */
  async function tree(
    serviceFlags: { intensity: number; periodMs: number },
    restart: "temporary" | "permanent",
  ) {
    const root = unique("root");
    const service = unique("svc");
    await supervisor(root).configure({
      flags: { strategy: "one_for_one", intensity: 3, periodMs: 10_000 },
      children: [
        {
          id: "svc",
          kind: "supervisor",
          restart,
          address: { binding: "SUPERVISOR", name: service },
        },
      ],
    });
    await supervise(service, ["a", "b"], serviceFlags, {
      parent: { address: { binding: "SUPERVISOR", name: root }, childId: "svc" },
    });
    return { root: supervisor(root), service, rootName: root };
  }

  it("marks a service down when its supervisor gives up and escalates to the root", async () => {
    const { root, service } = await tree({ intensity: 0, periodMs: 5000 }, "temporary");
    await crash(service, "a");
    expect(await root.downChildren()).toEqual(["svc"]);
    const view = await root.tree();
    expect(view.children[0]).toMatchObject({ id: "svc", status: "down" });
    expect(view.children[0]?.supervisor).toMatchObject({ status: "stopped" });
    expect(await counter(`${service}/b`).call("add", { by: 1 })).toMatchObject({
      code: "service-unavailable",
    });
  });

  it("brings a down service back with a fresh restart window on an explicit restart", async () => {
    const { root, service } = await tree({ intensity: 0, periodMs: 5000 }, "temporary");
    await crash(service, "a");
    const child = await root.restartChild("svc");
    expect(child).toMatchObject({ status: "running", supervisor: { status: "running" } });
    expect(await root.downChildren()).toEqual([]);
    expect(await counter(`${service}/a`).call("add", { by: 1 })).toMatchObject({ ok: true });
  });

  it("leaves a service that is up alone when asked to restart it", async () => {
    const { root, service } = await tree({ intensity: 5, periodMs: 5000 }, "temporary");
    const before = await incarnations(service, ["a", "b"]);
    await root.restartChild("svc");
    expect(await incarnations(service, ["a", "b"])).toEqual(before);
  });

  it("lets a parent apply its own strategy to a child supervisor that gave up", async () => {
    const { root, service } = await tree({ intensity: 0, periodMs: 5000 }, "permanent");
    await crash(service, "a");
    const view = await root.tree();
    expect(view).toMatchObject({ status: "running" });
    expect(view.children[0]).toMatchObject({
      status: "running",
      restarts: 1,
      supervisor: { status: "running" },
    });
    expect(await counter(`${service}/b`).call("add", { by: 1 })).toMatchObject({ ok: true });
  });

  it("recovers a down service on tick once its recovery backoff has passed", async () => {
    const { root, service, rootName } = await tree({ intensity: 0, periodMs: 5000 }, "temporary");
    await supervisor(rootName).configure({
      flags: { intensity: 3, periodMs: 10_000 },
      recoveryMs: 1000,
      children: [
        {
          id: "svc",
          kind: "supervisor",
          restart: "temporary",
          address: { binding: "SUPERVISOR", name: service },
        },
      ],
    });
    await crash(service, "a");
    expect(await root.tick(Date.now())).toEqual([]);
    expect(await root.tick(Date.now() + 1500)).toEqual(["svc"]);
    expect(await root.downChildren()).toEqual([]);
  });
});

describe("Supervision under concurrency", () => {
  it("counts one crash once, even when a duplicate of the crashed call was waiting on it", async () => {
    const name = unique("s");
    const sup = await supervise(name, ["a"], { intensity: 1, periodMs: 60_000 });
    const meta = { idempotencyKey: "k", fingerprint: "f" };
    const [first, second] = await Promise.all([
      counter(`${name}/a`).call("slowCrash", null, meta),
      counter(`${name}/a`).call("slowCrash", null, meta),
    ]);
    expect([first.ok, second.ok]).toEqual([false, false]);
    expect(await sup.view()).toMatchObject({ status: "running", children: [{ restarts: 1 }] });
  });

  it("stays stopped with every child stopped when crashes race its restarts", async () => {
    const name = unique("s");
    const sup = await supervise(name, IDS, {
      strategy: "one_for_all",
      intensity: 1,
      periodMs: 60_000,
    });
    await Promise.all([crash(name, "a"), crash(name, "b"), crash(name, "c")]);
    expect((await sup.view()).status).toBe("stopped");
    for (const id of IDS) {
      expect(await counter(`${name}/${id}`).call("add", { by: 1 })).toMatchObject({
        code: "service-unavailable",
      });
    }
  });
});
