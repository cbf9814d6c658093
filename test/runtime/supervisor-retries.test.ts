import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  child,
  counterStub,
  crash,
  isStopped,
  journaled,
  supervise,
  unique,
} from "./supervision-helpers";

/** A supervisor whose retry timer only fires when the test runs it. */
const MANUAL_RETRY = { retryMs: 60_000 };

describe("Failed restarts are retried by the supervisor's timer", { timeout: 20_000 }, () => {
  it("answers the crashing call at once when the restart keeps failing, and shows the child restarting", async () => {
    const sup = unique("r");
    const stub = await supervise(sup, { intensity: 5, periodMs: 60_000 }, ["a", "b"], MANUAL_RETRY);
    const id = `${sup}/a`;
    await counterStub(id).failNextStarts(100);
    expect(await crash(sup, "a")).toMatchObject({ ok: false, code: "internal-error" });
    expect(await stub.view()).toMatchObject({
      status: "running",
      children: [{ id, status: "restarting", restarts: 1 }, { status: "running" }],
    });
    expect(await stub.restartChild(id)).toEqual({ error: "restarting", child: id });
    expect(await stub.deleteChild(id)).toEqual({ error: "restarting", child: id });
    const page = await stub.whichChildren();
    expect("error" in page ? null : page.children[0]?.status).toBe("restarting");
    expect(await stub.countChildren()).toMatchObject({ specs: 2, active: 1 });
  });

  it("counts every retry toward intensity and gives up with reason shutdown when they exceed it", async () => {
    const sup = unique("r");
    const stub = await supervise(sup, { intensity: 2, periodMs: 60_000 }, ["a", "b"], MANUAL_RETRY);
    const id = `${sup}/a`;
    await counterStub(id).failNextStarts(100);
    await crash(sup, "a");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.view()).toMatchObject({
      status: "running",
      children: [{ status: "restarting", restarts: 2 }, {}],
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.view()).toMatchObject({
      status: "stopped",
      reason: `reached_max_restart_intensity: ${id}`,
    });
    expect(await isStopped(sup, "b")).toBe(true);
  });

  it("brings the child back when a retry succeeds", async () => {
    const sup = unique("r");
    const stub = await supervise(sup, { intensity: 5, periodMs: 60_000 }, ["a"], MANUAL_RETRY);
    await counterStub(`${sup}/a`).failNextStarts(1);
    await crash(sup, "a");
    await runDurableObjectAlarm(stub);
    expect((await stub.view()).children[0]).toMatchObject({ status: "running", restarts: 2 });
    expect(await isStopped(sup, "a")).toBe(false);
  });

  it("leaves the rest of a one_for_all group down while a member is restarting, and restarts the group on retry", async () => {
    const sup = unique("r");
    const stub = await supervise(
      sup,
      { strategy: "one_for_all", intensity: 5, periodMs: 60_000 },
      ["a", "b", "c"],
      MANUAL_RETRY,
    );
    await counterStub(`${sup}/b`).failNextStarts(1);
    await crash(sup, "a");
    expect((await stub.view()).children.map((c) => c.status)).toEqual([
      "running",
      "restarting",
      "down",
    ]);
    const entries = await journaled(sup, () => runDurableObjectAlarm(stub));
    expect(entries).toEqual(["stop:a:shutdown", "stopped:a", "start:a", "start:b", "start:c"]);
    expect((await stub.view()).children.map((c) => c.status)).toEqual([
      "running",
      "running",
      "running",
    ]);
  });

  it("does not retry a restarting child that was terminated meanwhile", async () => {
    const sup = unique("r");
    const stub = await supervise(
      sup,
      { intensity: 5, periodMs: 60_000 },
      [child(sup, "a")],
      MANUAL_RETRY,
    );
    await counterStub(`${sup}/a`).failNextStarts(100);
    await crash(sup, "a");
    expect(await stub.terminateChild(`${sup}/a`)).toEqual({ ok: true });
    await runDurableObjectAlarm(stub);
    expect((await stub.view()).children[0]).toMatchObject({ status: "down", restarts: 1 });
  });
});
