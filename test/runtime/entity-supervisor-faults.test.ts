import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { idleTimerDueNow } from "../../durable-objects/runtime/testing";
import { activate, entity, entityStub, entitySupervisor, listed } from "./entity-helpers";
import { eventually, supervisor, unique } from "./helpers";

/**
 * Entities whose supervisor could not be told: enrolment and leave are bookkeeping, so an
 * entity serves without them, and its idle timer still passivates it and gets it off the
 * supervisor's list. The supervisor faults are the example entity's fault point
 * (`faultSupervisor` in `test/fixtures/example-entity.ts`).
 */

/**
 * Fires `name`'s idle timer on a fresh incarnation (the object evicted, as the platform does
 * with idle objects, and its deadline come due), which finds no activity since.
 */
async function idleAfterEviction(name: string) {
  await abortAllDurableObjects();
  await runInDurableObject(entityStub(name), (_instance, state) => idleTimerDueNow(state.storage));
  expect(await runDurableObjectAlarm(entityStub(name))).toBe(true);
}

/** Asserts `name` passivated once: `onIdle` ran, nothing in memory. */
async function expectPassivated(name: string) {
  expect(await entityStub(name).stored()).toMatchObject({ idled: 1 });
  expect((await entityStub(name).inspect()).status).toBe("idle");
}

describe("An entity whose enrolment failed", () => {
  it("serves unlisted while its supervisor is unreachable, and still passivates on its idle clock", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("unenrolled");
    await entityStub(name).setIdleTimeout(60_000);
    await entityStub(name).faultSupervisor("unreachable");
    expect(await entity(name).call("add", { by: 1 })).toMatchObject({ ok: true, value: 1 });
    expect(await listed(sup)).toEqual([]);
    expect(await entityStub(name).idleDue()).not.toBeNull();
    await idleAfterEviction(name);
    await expectPassivated(name);
    // Passive now: the next message starts it from storage.
    await entityStub(name).faultSupervisor(null);
    expect(await entity(name).call("add", { by: 1 })).toMatchObject({ ok: true, value: 2 });
    expect(await entityStub(name).stored()).toMatchObject({ starts: 3, idled: 1 });
    expect(await listed(sup)).toEqual([`${name}:running`]);
  });

  it("refused by a supervisor that is not simple_one_for_one, serves and still passivates", async () => {
    const plain = unique("plain");
    await supervisor(plain).configure({ flags: {}, children: [] });
    const name = `${plain}/refused-on-purpose`;
    await activate(name, 60_000);
    expect(await listed(plain)).toEqual([]);
    await idleAfterEviction(name);
    await expectPassivated(name);
  });
});

describe("A passive entity whose leave did not reach its supervisor", () => {
  it("leaves again when its idle timer fires after an eviction in the middle of the leave", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("evicted-leave");
    await activate(name, 60_000);
    await entityStub(name).faultSupervisor("hold-leave");
    // Passivation commits, then the leave is held; the object is evicted while it waits.
    await abortAllDurableObjects();
    await runInDurableObject(entityStub(name), (_instance, state) =>
      idleTimerDueNow(state.storage),
    );
    // Not awaited: the run of an alarm whose object is aborted under it never settles.
    void runDurableObjectAlarm(entityStub(name)).catch(() => undefined);
    await eventually(
      () => entityStub(name).heldLeaves(),
      (held) => held === 1,
    );
    expect(await entityStub(name).stored()).toMatchObject({ idled: 1 });
    await abortAllDurableObjects();
    expect(await listed(sup)).toEqual([`${name}:running`]); // passive, still listed
    expect(await entityStub(name).idleDue()).not.toBeNull(); // its timer never finished
    // The platform runs an alarm whose handler did not finish again (later: the test runs it
    // now); this time the leave gets through.
    await entityStub(name).faultSupervisor(null);
    await runInDurableObject(entityStub(name), (_instance, state) =>
      state.storage.setAlarm(Date.now() + 60_000),
    );
    expect(await runDurableObjectAlarm(entityStub(name))).toBe(true);
    expect(await listed(sup)).toEqual([]);
    expect(await entityStub(name).stored()).toMatchObject({ idled: 1 }); // no second onIdle
    expect(await entityStub(name).idleDue()).toBeNull();
  });

  it("keeps its idle timer while the leave fails, and leaves when it fires again", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("failed-leave");
    await activate(name, 60_000);
    await entityStub(name).faultSupervisor("unreachable");
    await idleAfterEviction(name);
    await expectPassivated(name);
    expect(await listed(sup)).toEqual([`${name}:running`]); // the leave failed
    expect(await entityStub(name).idleDue()).not.toBeNull(); // set again to retry
    // Still unreachable when it fires: the passive entity keeps its timer for another try.
    await runInDurableObject(entityStub(name), (_instance, state) =>
      idleTimerDueNow(state.storage),
    );
    expect(await runDurableObjectAlarm(entityStub(name))).toBe(true);
    expect(await listed(sup)).toEqual([`${name}:running`]);
    expect(await entityStub(name).idleDue()).not.toBeNull();
    // Reachable again: the next firing leaves, and nothing is left to fire.
    await entityStub(name).faultSupervisor(null);
    await runInDurableObject(entityStub(name), (_instance, state) =>
      idleTimerDueNow(state.storage),
    );
    expect(await runDurableObjectAlarm(entityStub(name))).toBe(true);
    expect(await listed(sup)).toEqual([]);
    expect(await entityStub(name).stored()).toMatchObject({ idled: 1 }); // no second onIdle
    expect(await entityStub(name).idleDue()).toBeNull();
  });

  it("an activation waits for a re-sent leave still on its way, so the entity stays listed", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("leave-then-activate");
    await activate(name, 60_000);
    await entityStub(name).faultSupervisor("unreachable");
    await idleAfterEviction(name);
    expect(await listed(sup)).toEqual([`${name}:running`]); // passive, its leave failed
    // The retried leave is held on its way; a message activates the entity meanwhile.
    await entityStub(name).faultSupervisor("hold-leave");
    await runInDurableObject(entityStub(name), (_instance, state) =>
      idleTimerDueNow(state.storage),
    );
    const fired = runDurableObjectAlarm(entityStub(name));
    await eventually(
      () => entityStub(name).heldLeaves(),
      (held) => held === 1,
    );
    const served = entity(name).call("add", { by: 1 });
    await entityStub(name).faultSupervisor(null); // the held leave goes on
    expect(await served).toMatchObject({ ok: true, value: 2 });
    await fired;
    // The leave came first and the activation after it: active and listed (the other order
    // would leave an active entity off its supervisor's list until its next passivation).
    expect((await entityStub(name).inspect()).status).toBe("running");
    expect(await listed(sup)).toEqual([`${name}:running`]);
  });

  it("a passive entity's timer sends no leave while a message is activating it", async () => {
    const { sup, key } = await entitySupervisor();
    const name = key("activate-then-timer");
    await activate(name, 60_000);
    await entityStub(name).faultSupervisor("unreachable");
    await idleAfterEviction(name);
    expect(await listed(sup)).toEqual([`${name}:running`]); // passive, its leave failed
    // A message activates it: listed by the supervisor, the answer held while the timer fires.
    await entityStub(name).faultSupervisor("hold-activate");
    const served = entity(name).call("add", { by: 1 });
    await eventually(
      () => entityStub(name).heldLeaves(),
      (held) => held === 1,
    );
    await runInDurableObject(entityStub(name), (_instance, state) =>
      idleTimerDueNow(state.storage),
    );
    expect(await runDurableObjectAlarm(entityStub(name))).toBe(true);
    // The skipped firing set its timer again: if the activation ends refused, it leaves then.
    expect(await entityStub(name).idleDue()).not.toBeNull();
    await entityStub(name).faultSupervisor(null); // the held answer arrives
    expect(await served).toMatchObject({ ok: true, value: 2 });
    expect((await entityStub(name).inspect()).status).toBe("running");
    expect(await listed(sup)).toEqual([`${name}:running`]);
  });
});
