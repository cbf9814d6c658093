import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IDLE_TIMER } from "../../durable-objects/runtime/entity";
import { Timers } from "../../durable-objects/runtime/timers";
import { activate, active, entity, entityStub, entitySupervisor, listed } from "./entity-helpers";
import { eventually, supervisor, unique } from "./helpers";

describe("Entities: activation and idle passivation", () => {
  it("enrolls with its supervisor on its first message: the supervisor lists only active entities", async () => {
    const { sup, key } = await entitySupervisor();
    expect(await active(sup)).toBe(0);
    await activate(key("a"), 60_000);
    await activate(key("b"), 60_000);
    expect(await listed(sup)).toEqual([`${key("a")}:running`, `${key("b")}:running`]);
    // Further messages cost the supervisor nothing: still one row each.
    await entity(key("a")).call("add", { by: 1 });
    expect(await active(sup)).toBe(2);
  });

  it("after the idle timeout without messages runs onIdle, drops its memory and leaves the supervisor", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("idle");
    await activate(name, 300);
    expect(await active(sup)).toBe(1);
    // The real alarm fires once the timeout passed: no test clock, no fixed sleep.
    await eventually(
      () => active(sup),
      (n) => n === 0,
    );
    expect(await entityStub(name).stored()).toEqual({ value: 1, starts: 1, idled: 1 });
    expect((await entityStub(name).inspect()).status).toBe("idle"); // nothing in memory
    expect(await entityStub(name).resets()).toBe(1); // onReset ran: the actor's own memory too
    expect(await entityStub(name).idleDue()).toBeNull();
  });

  it("comes back from storage on the next message and enrolls again", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("back");
    await activate(name, 300);
    await eventually(
      () => active(sup),
      (n) => n === 0,
    );
    // A read observes the passive entity from storage and wakes nothing: no row, no timer.
    const read = await entity(name).call("get", null);
    expect(read).toMatchObject({ ok: true, value: { value: 1, idled: 1 } });
    expect(await listed(sup)).toEqual([]);
    expect(await entityStub(name).idleDue()).toBeNull();
    // A message that changes it brings it back and enrolls it again.
    expect(await entity(name).call("add", { by: 1 })).toMatchObject({ ok: true });
    const reply = await entity(name).call("get", null);
    expect(reply).toMatchObject({ ok: true, value: { value: 2, idled: 1 } });
    expect(await listed(sup)).toEqual([`${name}:running`]);
  });

  it("keeps a message's activity in memory and moves its idle timer only when it fires early", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("busy");
    await activate(name, 60_000);
    const due = await entityStub(name).idleDue();
    expect(due).not.toBeNull();
    await entity(name).call("add", { by: 1 });
    const lastActive = await entity(name).call("lastActive", null);
    if (!lastActive.ok || lastActive.value === null) throw new Error("no activity recorded");
    // The second message wrote nothing: the stored deadline already covers it.
    expect(await entityStub(name).idleDue()).toBe(due);
    // Fire the idle timer now, as if it were due: the entity is not idle, the timer moves
    // to last activity + timeout and nothing else happens.
    await runInDurableObject(entityStub(name), (_instance, state) => {
      new Timers(state.storage).schedule(IDLE_TIMER, Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(entityStub(name))).toBe(true);
    expect(await entityStub(name).idleDue()).toBe(lastActive.value + 60_000);
    expect(await entityStub(name).stored()).toMatchObject({ starts: 1, idled: 0 });
    expect(await active(sup)).toBe(1);
  });

  it("does not count a read as activity", async () => {
    const { key } = await entitySupervisor();
    const name = key("reader");
    await activate(name, 60_000);
    const first = await entity(name).call("lastActive", null);
    await eventually(
      async () => Date.now(),
      (now) => first.ok && first.value !== null && now > first.value,
    );
    await entity(name).call("get", null);
    expect(await entity(name).call("lastActive", null)).toEqual(first);
  });

  it("keeps nothing of a throwing onIdle, reports the crash and passivates on a later try", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("failing-idle");
    await activate(name, 200);
    await entityStub(name).failIdle(true);
    await eventually(
      async () => (await supervisor(sup).view()).children[0]?.restarts ?? 0,
      (restarts) => restarts >= 1,
    );
    expect(await entityStub(name).stored()).toMatchObject({ idled: 0 });
    expect(await active(sup)).toBe(1);
    await entityStub(name).failIdle(false);
    await eventually(
      () => active(sup),
      (n) => n === 0,
      15_000,
    );
    expect(await entityStub(name).stored()).toMatchObject({ idled: 1 });
  });
});

describe("Entities under supervision", () => {
  it("restarts only the crashed entity: the others keep their memory", async () => {
    const { sup, key } = await entitySupervisor();
    await activate(key("a"), 60_000);
    await activate(key("b"), 60_000);
    const crashed = await entity(key("a")).call("add", { by: 1, crash: true });
    expect(crashed).toMatchObject({ ok: false, code: "internal-error" });
    const view = await supervisor(sup).view();
    expect(view.children.map((c) => [c.id, c.status, c.restarts])).toEqual([
      [key("a"), "running", 1],
      [key("b"), "running", 0],
    ]);
    expect(await entityStub(key("a")).stored()).toMatchObject({ value: 1, starts: 2 });
    expect(await entityStub(key("b")).stored()).toMatchObject({ value: 1, starts: 1 });
  });

  it("refuses with service-unavailable while its supervisor is stopped, and serves once it starts again", async () => {
    const { sup, key } = await entitySupervisor({ intensity: 0 });
    await activate(key("a"), 60_000);
    await entityStub(key("b")).setIdleTimeout(60_000);
    // One crash is more than intensity 0: the supervisor terminates its entities and stops.
    await entity(key("a")).call("add", { by: 1, crash: true });
    expect((await supervisor(sup).view()).status).toBe("stopped");
    expect(await entity(key("a")).call("get", null)).toMatchObject({
      ok: false,
      code: "service-unavailable",
    });
    expect(await entity(key("b")).call("add", { by: 1 })).toMatchObject({
      ok: false,
      code: "service-unavailable",
    });
    await supervisor(sup).start();
    await eventually(
      () => entity(key("b")).call("add", { by: 2 }),
      (reply) => reply.ok,
    );
    expect(await listed(sup)).toEqual([`${key("b")}:running`]);
  });

  it("terminateChild stops an entity with onStop; its next message brings it back", async () => {
    const { sup, key } = await entitySupervisor();
    await activate(key("t"), 60_000);
    expect(await supervisor(sup).terminateChild(key("t"))).toEqual({ ok: true });
    expect(await active(sup)).toBe(0);
    expect(await entity(key("t")).call("add", { by: 1 })).toMatchObject({ ok: true, value: 2 });
    expect(await listed(sup)).toEqual([`${key("t")}:running`]);
  });

  it("answers invalid_args to an activation without a child id or outside simple_one_for_one", async () => {
    const { sup } = await entitySupervisor();
    expect(await supervisor(sup).childActivated({ childId: "" })).toMatchObject({
      error: "invalid_args",
    });
    const plain = unique("plain");
    await supervisor(plain).configure({ flags: {}, children: [] });
    expect(await supervisor(plain).childActivated({ childId: "x" })).toMatchObject({
      error: "invalid_args",
    });
    expect(await active(sup)).toBe(0);
  });
});
