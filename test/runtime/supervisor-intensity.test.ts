import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  child,
  counter,
  crash,
  isStopped,
  journaled,
  supervise,
  supervisor,
  supervisorChild,
  unique,
} from "./supervision-helpers";

const exit = (childId: string, at: number) => ({ childId, reason: "boom", at });

describe("Restart intensity", { timeout: 20_000 }, () => {
  it("gives up on the 4th restart inside the window with intensity 3 and period 10 s, and not outside it", async () => {
    const sup = unique("i");
    const stub = await supervise(sup, { intensity: 3, periodMs: 10_000 }, ["a"]);
    const t = Date.now();
    for (const at of [t, t + 1000, t + 2000]) await stub.childExited(exit(`${sup}/a`, at));
    expect((await stub.view()).status).toBe("running");
    await stub.childExited(exit(`${sup}/a`, t + 3000));
    expect(await stub.view()).toMatchObject({
      status: "stopped",
      reason: `reached_max_restart_intensity: ${sup}/a`,
    });

    const other = unique("i");
    const calm = await supervise(other, { intensity: 3, periodMs: 10_000 }, ["a"]);
    for (const at of [t, t + 1000, t + 2000, t + 12_500])
      await calm.childExited(exit(`${other}/a`, at));
    expect((await calm.view()).status).toBe("running");
  });

  it("gives up on the first crash with intensity 0, terminating the other children in reverse start order", async () => {
    const sup = unique("i");
    await supervise(sup, { intensity: 0, periodMs: 5000 }, ["a", "b", "c"]);
    const entries = await journaled(sup, () => crash(sup, "b"));
    expect(entries).toEqual(["stop:c:shutdown", "stopped:c", "stop:a:shutdown", "stopped:a"]);
    for (const name of ["a", "b", "c"]) expect(await isStopped(sup, name)).toBe(true);
  });

  it("answers its whole API with stopped once it gave up, until it is started again", async () => {
    const sup = unique("i");
    const stub = await supervise(sup, { intensity: 0 }, ["a"]);
    await crash(sup, "a");
    const id = `${sup}/a`;
    const refused = { error: "stopped", detail: `reached_max_restart_intensity: ${id}` };
    expect(await stub.startChild(child(sup, "b"))).toEqual(refused);
    expect(await stub.terminateChild(id)).toEqual(refused);
    expect(await stub.deleteChild(id)).toEqual(refused);
    expect(await stub.restartChild(id)).toEqual(refused);
    expect(await stub.whichChildren()).toEqual(refused);
    expect(await stub.countChildren()).toEqual(refused);
    expect(await stub.getChildSpec(id)).toEqual(refused);
    expect(await stub.start()).toEqual({ ok: true, started: true });
    expect(await stub.countChildren()).toMatchObject({ ok: true, active: 1 });
    expect(await isStopped(sup, "a")).toBe(false);
  });

  it("remembers its restart window across eviction", async () => {
    const sup = unique("i");
    await supervise(sup, { intensity: 2, periodMs: 60_000 }, ["a"]);
    await crash(sup, "a");
    await crash(sup, "a");
    await abortAllDurableObjects();
    await crash(sup, "a");
    expect((await supervisor(sup).view()).status).toBe("stopped");
  });
});

/** Parent `p` (one_for_one) over child supervisor `s` (intensity 0) over counters a, b. */
async function tree(restart: "permanent" | "transient" | "temporary", recoveryMs = 0) {
  const p = unique("p");
  const s = unique("s");
  await supervise(s, { intensity: 0 }, ["a", "b"], {
    parent: { address: { binding: "SUPERVISOR", name: p }, childId: s },
  });
  const parent = await supervise(
    p,
    { intensity: 3, periodMs: 10_000 },
    [supervisorChild(s, { restart })],
    {
      recoveryMs,
    },
  );
  return { parent, p, s };
}

describe("A supervisor that gives up exits with reason shutdown; its parent decides by restart type", {
  timeout: 20_000,
}, () => {
  it("restarts a permanent child supervisor, with a fresh window and every child serving", async () => {
    const { parent, s } = await tree("permanent");
    await crash(s, "a");
    const view = await parent.tree();
    expect(view.children[0]).toMatchObject({
      status: "running",
      restarts: 1,
      supervisor: { status: "running" },
    });
    expect(view.children[0]?.lastCrash).toBeNull();
    expect(await counter(`${s}/b`).call("add", { by: 1 })).toMatchObject({ ok: true });
  });

  it("keeps a transient child supervisor down (spec kept) until restartChild brings it back", async () => {
    const { parent, s } = await tree("transient");
    await crash(s, "a");
    expect(await parent.downChildren()).toEqual([s]);
    const view = await parent.tree();
    expect(view.children[0]).toMatchObject({ status: "down", supervisor: { status: "stopped" } });
    expect(await isStopped(s, "b")).toBe(true);
    expect(await parent.restartChild(s)).toEqual({ ok: true, started: true });
    expect(await parent.downChildren()).toEqual([]);
    expect(await isStopped(s, "a")).toBe(false);
  });

  it("removes a temporary child supervisor's spec", async () => {
    const { parent, s } = await tree("temporary");
    await crash(s, "a");
    expect(await parent.countChildren()).toMatchObject({ specs: 0 });
    expect(await parent.restartChild(s)).toEqual({ error: "not_found", child: s });
  });

  it("brings a down child supervisor back on tick once recoveryMs has passed", async () => {
    const { parent, s } = await tree("transient", 1000);
    await crash(s, "a");
    expect(await parent.tick(Date.now())).toEqual([]);
    expect(await parent.tick(Date.now() + 1500)).toEqual([s]);
    expect(await parent.downChildren()).toEqual([]);
  });
});

describe("Exits racing each other", { timeout: 20_000 }, () => {
  it("counts one crash once, even when a duplicate of the crashed call was waiting on it", async () => {
    const sup = unique("i");
    const stub = await supervise(sup, { intensity: 1, periodMs: 60_000 }, ["a"]);
    const meta = { idempotencyKey: "k", fingerprint: "f" };
    const [first, second] = await Promise.all([
      counter(`${sup}/a`).call("slowCrash", null, meta),
      counter(`${sup}/a`).call("slowCrash", null, meta),
    ]);
    expect([first.ok, second.ok]).toEqual([false, false]);
    expect(await stub.view()).toMatchObject({ status: "running", children: [{ restarts: 1 }] });
  });

  it("ends either stopped with every child stopped or running with every child serving when crashes race its restarts", async () => {
    const sup = unique("i");
    const names = ["a", "b", "c"];
    const stub = await supervise(
      sup,
      { strategy: "one_for_all", intensity: 1, periodMs: 60_000 },
      names,
    );
    await Promise.all(names.map((n) => crash(sup, n)));
    const status = (await stub.view()).status;
    const stopped = await Promise.all(names.map((n) => isStopped(sup, n)));
    expect(stopped).toEqual(names.map(() => status === "stopped"));
  });
});
