import { describe, expect, it } from "vitest";
import {
  child,
  counterStub,
  isStopped,
  journal,
  journaled,
  supervise,
  supervisorChild,
  unique,
} from "./supervision-helpers";

const ROOMY = { intensity: 10, periodMs: 60_000 };

/** Supervisor `sup` over `children`, itself the only child of a fresh parent. */
async function underParent(
  sup: string,
  flags: object,
  children: Parameters<typeof supervise>[2],
  extra = {},
) {
  const parent = unique("p");
  await supervise(sup, flags, children, {
    parent: { address: { binding: "SUPERVISOR", name: parent }, childId: sup },
    ...extra,
  });
  return supervise(parent, ROOMY, [supervisorChild(sup)]);
}

describe("Shutdown", { timeout: 20_000 }, () => {
  it("terminates children one at a time in reverse start order, each with reason shutdown", async () => {
    const sup = unique("sd");
    const parent = await underParent(sup, ROOMY, ["a", "b", "c"]);
    const entries = await journaled(sup, () => parent.terminateChild(sup));
    expect(entries).toEqual([
      "stop:c:shutdown",
      "stopped:c",
      "stop:b:shutdown",
      "stopped:b",
      "stop:a:shutdown",
      "stopped:a",
    ]);
    for (const name of ["a", "b", "c"]) expect(await isStopped(sup, name)).toBe(true);
  });

  it("lets a stop hook that ends within the child's shutdown budget finish", async () => {
    const sup = unique("sd");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { shutdown: 5000 })]);
    await counterStub(`${sup}/a`).slowStop(20);
    const entries = await journaled(sup, () => stub.terminateChild(`${sup}/a`));
    expect(entries).toEqual(["stop:a:shutdown", "stopped:a"]);
  });

  it("stops a child whose stop hook overruns its shutdown budget without waiting for the hook", async () => {
    const sup = unique("sd");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { shutdown: 50 })]);
    await counterStub(`${sup}/a`).slowStop(60_000);
    const entries = await journaled(sup, () => stub.terminateChild(`${sup}/a`));
    expect(entries).toEqual(["stop:a:shutdown"]);
    expect(await isStopped(sup, "a")).toBe(true);
    expect(await stub.countChildren()).toMatchObject({ active: 0 });
  });

  it("skips the stop hook under brutal_kill and still stops the child", async () => {
    const sup = unique("sd");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { shutdown: "brutal_kill" })]);
    const entries = await journaled(sup, () => stub.terminateChild(`${sup}/a`));
    expect(entries).toEqual([]);
    expect(await isStopped(sup, "a")).toBe(true);
  });

  it("does not wait for a child too busy to take the stop request, which stops it once it gets through", async () => {
    const sup = unique("sd");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { shutdown: 50 })]);
    const busy = counterStub(`${sup}/a`).busy(2000);
    expect(await stub.terminateChild(`${sup}/a`)).toEqual({ ok: true });
    expect(await journal(sup)).not.toContain("busy-done:a");
    await busy;
    expect(await isStopped(sup, "a")).toBe(true);
  });

  it("ignores a stop request older than the child's last start, as OTP ignores a stale pid", async () => {
    const stub = counterStub(`${unique("sd")}/a`);
    expect(await stub.start({ generation: 2 })).toEqual({ ok: true, started: true });
    expect(await stub.shutdown({ reason: "shutdown", generation: 1, shutdown: 100 })).toBe("stale");
    expect(await stub.call("add", { by: 1 })).toMatchObject({ ok: true });
    expect(await stub.shutdown({ reason: "shutdown", generation: 2, shutdown: 100 })).toBe("done");
    expect(await stub.call("add", { by: 1 })).toMatchObject({
      ok: false,
      code: "service-unavailable",
    });
  });

  it("terminates every dynamic child of a simple_one_for_one supervisor when it shuts down", async () => {
    const sup = unique("sd");
    const names = ["a", "b", "c", "d", "e"];
    const parent = await underParent(
      sup,
      { strategy: "simple_one_for_one", ...ROOMY },
      [{ id: "counter", address: { binding: "EXAMPLE_COUNTER", name: "" } }],
      { dynamicChildren: names.map((n) => ({ name: `${sup}/${n}` })) },
    );
    const entries = await journaled(sup, () => parent.terminateChild(sup));
    expect(entries.filter((e) => e.startsWith("stop:")).sort()).toEqual(
      names.map((n) => `stop:${n}:shutdown`),
    );
    for (const name of names) expect(await isStopped(sup, name)).toBe(true);
  });
});
