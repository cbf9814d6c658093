import { describe, expect, it } from "vitest";
import type { ChildSpec, SupervisorSpec } from "../../durable-objects/runtime";
import {
  child,
  counterStub,
  crash,
  isStopped,
  journaled,
  supervise,
  supervisor,
  supervisorChild,
  unique,
} from "./supervision-helpers";

/** Supervisor `s` over `children` under a parent that holds it as a transient child. */
async function underTransientParent(
  flags: SupervisorSpec["flags"],
  children: (sup: string) => ChildSpec[],
) {
  const p = unique("p");
  const s = unique("g");
  await supervise(s, { intensity: 5, periodMs: 60_000, ...flags }, children(s), {
    parent: { address: { binding: "SUPERVISOR", name: p }, childId: s },
  });
  const parent = await supervise(p, { intensity: 5 }, [
    supervisorChild(s, { restart: "transient" }),
  ]);
  return { parent, s, stub: supervisor(s) };
}

describe("Significant children and autoShutdown", { timeout: 20_000 }, () => {
  it("refuses significant children under autoShutdown never, and significant permanent children", async () => {
    const s = unique("g");
    const significant = (restart: ChildSpec["restart"]) => [
      child(s, "a", { restart, significant: true }),
    ];
    expect(await supervisor(s).configure({ children: significant("transient") })).toMatchObject({
      error: "invalid_child_spec",
      child: `${s}/a`,
      field: "significant",
    });
    expect(
      await supervisor(s).configure({
        flags: { autoShutdown: "any_significant" },
        children: significant("permanent"),
      }),
    ).toMatchObject({ error: "invalid_child_spec", field: "significant" });
  });

  it("shuts down with reason shutdown when a significant transient child exits normally under any_significant", async () => {
    const { parent, s, stub } = await underTransientParent(
      { autoShutdown: "any_significant" },
      (s) => [
        child(s, "a"),
        child(s, "job", { restart: "transient", significant: true }),
        child(s, "c"),
      ],
    );
    const entries = await journaled(s, () => counterStub(`${s}/job`).exitWith("normal"));
    expect(entries).toEqual(["stop:c:shutdown", "stopped:c", "stop:a:shutdown", "stopped:a"]);
    expect(await stub.view()).toMatchObject({
      status: "stopped",
      reason: `auto_shutdown: ${s}/job`,
    });
    // A transient parent does not restart it: the exit reason was shutdown, a clean one.
    expect(await parent.downChildren()).toEqual([s]);
  });

  it("restarts a significant transient child that crashed instead of shutting down", async () => {
    const { stub, s } = await underTransientParent({ autoShutdown: "any_significant" }, (s) => [
      child(s, "job", { restart: "transient", significant: true }),
    ]);
    await crash(s, "job");
    expect(await stub.view()).toMatchObject({
      status: "running",
      children: [{ status: "running", restarts: 1 }],
    });
  });

  it("shuts down when a significant temporary child crashes under any_significant", async () => {
    const { stub, s } = await underTransientParent({ autoShutdown: "any_significant" }, (s) => [
      child(s, "a"),
      child(s, "job", { restart: "temporary", significant: true }),
    ]);
    await crash(s, "job");
    expect((await stub.view()).status).toBe("stopped");
    expect(await isStopped(s, "a")).toBe(true);
  });

  it("shuts down under all_significant only when the last significant child has exited", async () => {
    const { stub, s } = await underTransientParent({ autoShutdown: "all_significant" }, (s) => [
      child(s, "a"),
      child(s, "j1", { restart: "temporary", significant: true }),
      child(s, "j2", { restart: "transient", significant: true }),
    ]);
    await counterStub(`${s}/j1`).exitWith("normal");
    expect((await stub.view()).status).toBe("running");
    await counterStub(`${s}/j2`).exitWith("shutdown:done");
    expect(await stub.view()).toMatchObject({
      status: "stopped",
      reason: `auto_shutdown: ${s}/j2`,
    });
  });

  it("does not shut down when the supervisor itself terminates a significant child, nor for a non-significant exit", async () => {
    const { stub, s } = await underTransientParent({ autoShutdown: "any_significant" }, (s) => [
      child(s, "a", { restart: "transient" }),
      child(s, "job", { restart: "transient", significant: true }),
    ]);
    expect(await stub.terminateChild(`${s}/job`)).toEqual({ ok: true });
    await counterStub(`${s}/a`).exitWith("normal");
    expect((await stub.view()).status).toBe("running");
  });
});
