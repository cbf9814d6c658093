import { describe, expect, it } from "vitest";
import {
  child,
  counter,
  counterStub,
  crash,
  isStopped,
  journaled,
  statuses,
  supervise,
  unique,
} from "./supervision-helpers";

const ROOMY = { intensity: 10, periodMs: 60_000 };

describe("Group restarts, as OTP's strategies define them", { timeout: 20_000 }, () => {
  it("restarts only the crashed child under one_for_one", async () => {
    const sup = unique("s");
    await supervise(sup, { strategy: "one_for_one", ...ROOMY }, ["a", "b", "c"]);
    const entries = await journaled(sup, () => crash(sup, "b"));
    expect(entries).toEqual(["start:b"]);
  });

  it("restarts a transient child that crashed with a message spelling a clean exit", async () => {
    const sup = unique("s");
    await supervise(sup, { strategy: "one_for_one", ...ROOMY }, [
      child(sup, "a", { restart: "transient" }),
    ]);
    const crashed = () => counter(`${sup}/a`).call("add", { by: 1, crash: "normal" });
    const entries = await journaled(sup, crashed);
    expect(entries).toEqual(["start:a"]);
    expect(await statuses(sup)).toEqual({ a: "running" });
  });

  it("answers reads between restarts, never from a group restart half done", async () => {
    const sup = unique("s");
    const stub = await supervise(sup, { strategy: "one_for_all", ...ROOMY }, ["a", "b", "c"]);
    await counterStub(`${sup}/c`).slowStop(400); // the restart takes its time stopping c
    const crashed = crash(sup, "a"); // its report waits for the whole restart
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [counts, children, view] = await Promise.all([
      stub.countChildren(),
      stub.whichChildren(),
      stub.view(),
    ]);
    expect(counts).toMatchObject({ ok: true, specs: 3, active: 3 });
    const running = (list: readonly { status: string }[]) => list.map((c) => c.status);
    expect("children" in children && running(children.children)).toEqual(Array(3).fill("running"));
    expect(running(view.children)).toEqual(Array(3).fill("running"));
    await crashed;
  });

  it("terminates every sibling in reverse start order, then restarts all in start order, under one_for_all", async () => {
    const sup = unique("s");
    await supervise(sup, { strategy: "one_for_all", ...ROOMY }, ["a", "b", "c", "d"]);
    const entries = await journaled(sup, () => crash(sup, "b"));
    expect(entries).toEqual([
      "stop:d:shutdown",
      "stopped:d",
      "stop:c:shutdown",
      "stopped:c",
      "stop:a:shutdown",
      "stopped:a",
      "start:a",
      "start:b",
      "start:c",
      "start:d",
    ]);
  });

  it("terminates the children started after the crashed one in reverse order, then restarts them in order, under rest_for_one", async () => {
    const sup = unique("s");
    await supervise(sup, { strategy: "rest_for_one", ...ROOMY }, ["a", "b", "c", "d"]);
    const entries = await journaled(sup, () => crash(sup, "b"));
    expect(entries).toEqual([
      "stop:d:shutdown",
      "stopped:d",
      "stop:c:shutdown",
      "stopped:c",
      "start:b",
      "start:c",
      "start:d",
    ]);
  });

  it("terminates a temporary sibling in a group restart and removes it instead of restarting it", async () => {
    const sup = unique("s");
    const stub = await supervise(sup, { strategy: "one_for_all", ...ROOMY }, [
      "a",
      "b",
      child(sup, "t", { restart: "temporary" }),
    ]);
    const entries = await journaled(sup, () => crash(sup, "a"));
    expect(entries).toEqual([
      "stop:t:shutdown",
      "stopped:t",
      "stop:b:shutdown",
      "stopped:b",
      "start:a",
      "start:b",
    ]);
    expect(Object.keys(await statuses(sup))).toEqual(["a", "b"]);
    expect(await stub.getChildSpec(`${sup}/t`)).toMatchObject({ error: "not_found" });
    expect(await isStopped(sup, "t")).toBe(true);
  });

  it("counts the restart and the last crash in the child's view, and serves from durable state", async () => {
    const sup = unique("s");
    const stub = await supervise(sup, ROOMY, ["a"]);
    await counter(`${sup}/a`).call("add", { by: 2 });
    await crash(sup, "a");
    expect((await stub.view()).children[0]).toMatchObject({
      status: "running",
      restarts: 1,
      lastCrash: { reason: "crash requested" },
    });
    expect(await counter(`${sup}/a`).call("get", null)).toMatchObject({ ok: true, value: 2 });
  });
});

describe("Restart types", { timeout: 20_000 }, () => {
  it("restarts a permanent child even after a normal exit", async () => {
    const sup = unique("s");
    await supervise(sup, ROOMY, ["a"]);
    const entries = await journaled(sup, () => counterStub(`${sup}/a`).exitWith("normal"));
    expect(entries).toEqual(["start:a"]);
    expect(await isStopped(sup, "a")).toBe(false);
  });

  it("keeps a transient child's spec but does not restart it after normal, shutdown or shutdown:<detail>", async () => {
    for (const reason of ["normal", "shutdown", "shutdown:drained"]) {
      const sup = unique("s");
      const stub = await supervise(sup, ROOMY, [child(sup, "a", { restart: "transient" })]);
      await counterStub(`${sup}/a`).exitWith(reason);
      expect((await stub.view()).children[0]).toMatchObject({ status: "down", restarts: 0 });
      expect(await isStopped(sup, "a")).toBe(true);
      expect(await stub.restartChild(`${sup}/a`)).toEqual({ ok: true, started: true });
    }
  });

  it("restarts a transient child after an abnormal exit", async () => {
    const sup = unique("s");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { restart: "transient" })]);
    await crash(sup, "a");
    expect((await stub.view()).children[0]).toMatchObject({ status: "running", restarts: 1 });
  });

  it("never restarts a temporary child and removes its spec when it exits", async () => {
    const sup = unique("s");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { restart: "temporary" }), "b"]);
    await crash(sup, "a");
    expect(Object.keys(await statuses(sup))).toEqual(["b"]);
    expect(await stub.countChildren()).toMatchObject({ specs: 1, active: 1 });
    expect(await isStopped(sup, "a")).toBe(true);
  });
});
