import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alarmId } from "../../core/alarms";
import { alarmManager, loadConfig } from "../../durable-objects";
import { entityPartition } from "../../durable-objects/runtime";
import { supervisionAlarms } from "../../durable-objects/supervision/alarm-hook";
import { session, sessionStub, uniqueUser } from "../sessions/helpers";
import { eventsOf, isActive } from "./alarm-history";
import { eventually } from "./client";

const alarms = () => alarmManager(env);
const sessions = loadConfig(env).services.sessions;
const PARTITIONS = sessions.placement.kind === "entity" ? sessions.placement.partitions : 0;
const INTENSITY = sessions.flags.intensity;
/** The quiet window of `partition-gave-up` (wrangler.toml's `PARTITION_GAVE_UP_CLEAR_MS`). */
const QUIET_MS = Number(env.PARTITION_GAVE_UP_CLEAR_MS);
const partitionOf = (user: string) => entityPartition("sessions", user, PARTITIONS);

/** Partitions the window tests raise by hand; the crash tests keep off them. */
const BY_HAND = [`sessions/p${PARTITIONS - 1}`, `sessions/p${PARTITIONS - 2}`] as const;

/** A user whose session lands on `partition`, or else on one no test used yet (no alarm active). */
async function userOn(partition?: string): Promise<string> {
  for (;;) {
    const user = uniqueUser("crashy");
    const p = partitionOf(user);
    if (partition !== undefined) {
      if (p === partition) return user;
    } else if (!BY_HAND.some((b) => b === p) && !(await isActive(gaveUp(p)))) return user;
  }
}

const gaveUp = (partition: string) => alarmId("partition-gave-up", partition);

/**
 * Crashes `user`'s session once more than its partition's intensity allows within its period
 * (6 crashes within 10 s by default): the partition supervisor gives up.
 */
async function crashPastIntensity(user: string): Promise<void> {
  expect(await session(user).call("start", { device: "phone" })).toMatchObject({ ok: true });
  await sessionStub(user).injectFault({ kind: "crash", count: INTENSITY + 1, ms: 0, step: 1 });
  for (let i = 0; i <= INTENSITY; i++) {
    expect(await session(user).call("start", { device: "phone" })).toMatchObject({
      ok: false,
      code: "internal-error",
    });
  }
}

describe("partition-gave-up", () => {
  it("is raised when a session crashes past its partition's intensity, naming service, partition and offender", async () => {
    const user = await userOn();
    const partition = partitionOf(user);
    await crashPastIntensity(user);
    expect(await eventually(() => isActive(gaveUp(partition)), Boolean)).toBe(true);
    const alarm = (await alarms().list()).active.find((a) => a.id === gaveUp(partition));
    expect(alarm).toMatchObject({
      name: "partition-gave-up",
      source: partition,
      severity: "minor",
    });
    expect(alarm?.description).toContain("sessions");
    expect(alarm?.description).toContain(partition);
    expect(alarm?.description).toContain(user);
    // The service supervisor restarted the partition and is up: its own alarm is not raised.
    expect(await isActive(alarmId("restart-intensity-exceeded", "sessions"))).toBe(false);
    expect((await eventsOf(gaveUp(partition))).map((e) => e.event)).toEqual(["raised"]);
  });

  it("is raised once while active: a further give-up of the partition updates it (the new offender), no second raise", async () => {
    const first = await userOn();
    const partition = partitionOf(first);
    const second = await userOn(partition);
    await crashPastIntensity(first);
    const raised = await eventually(
      () => alarms().list(),
      (v) => v.active.some((a) => a.id === gaveUp(partition)),
    );
    const before = raised.active.find((a) => a.id === gaveUp(partition));
    await crashPastIntensity(second);
    const updated = await eventually(
      () => alarms().list(),
      (v) =>
        v.active.find((a) => a.id === gaveUp(partition))?.description.includes(second) ?? false,
    );
    expect(updated.active.find((a) => a.id === gaveUp(partition))).toMatchObject({
      raisedAt: before?.raisedAt,
    });
    expect((await eventsOf(gaveUp(partition))).map((e) => e.event)).toEqual(["raised", "updated"]);
  });

  it("clears through the object's alarm once PARTITION_GAVE_UP_CLEAR_MS passed without a give-up", async () => {
    const source = BY_HAND[0];
    await alarms().clear("partition-gave-up", source);
    const raised = await alarms().raise(
      { name: "partition-gave-up", source },
      Date.now() - QUIET_MS,
    );
    await runDurableObjectAlarm(alarms()); // due now: fires here unless it already fired
    expect(
      await eventually(
        () => isActive(raised.id),
        (v) => !v,
      ),
    ).toBe(false);
    expect((await eventsOf(raised.id)).at(-1)).toMatchObject({
      event: "cleared",
      detail: `no give-up for ${QUIET_MS} ms`,
    });
  });

  it("stays active while give-ups keep coming: each one starts the quiet window again", async () => {
    const source = BY_HAND[1];
    await alarms().clear("partition-gave-up", source);
    const t0 = Date.now() + 3_600_000; // ahead of real time: the object's own timer stays out
    const raised = await alarms().raise({ name: "partition-gave-up", source }, t0);
    await alarms().raise({ name: "partition-gave-up", source }, t0 + QUIET_MS - 1000);
    await alarms().evaluate(t0 + QUIET_MS);
    expect(await isActive(raised.id)).toBe(true);
    await alarms().evaluate(t0 + 2 * QUIET_MS - 1000);
    expect(await isActive(raised.id)).toBe(false);
    expect((await eventsOf(raised.id)).map((e) => e.event)).toEqual(["raised", "cleared"]);
  });
});

/** The alarm ids that became active while `fn` ran. */
async function raisedBy(fn: () => Promise<void>): Promise<string[]> {
  const ids = async () => (await alarms().list()).active.map((a) => a.id);
  const before = new Set(await ids());
  await fn();
  return (await ids()).filter((id) => !before.has(id)).sort();
}

describe("supervision alarms by level", () => {
  it("a service supervisor's give-up raises restart-intensity-exceeded only; a partition's, partition-gave-up only", async () => {
    const partition = "sessions/p0";
    await alarms().clear("partition-gave-up", partition);
    await alarms().clear("restart-intensity-exceeded", "sessions");
    const service = { type: "gave-up", supervisor: "sessions", offender: partition } as const;
    expect(await raisedBy(() => supervisionAlarms(env, service))).toEqual([
      alarmId("restart-intensity-exceeded", "sessions"),
    ]);
    await alarms().clear("restart-intensity-exceeded", "sessions");
    const ofPartition = { type: "gave-up", supervisor: partition, offender: "u-1" } as const;
    expect(await raisedBy(() => supervisionAlarms(env, ofPartition))).toEqual([gaveUp(partition)]);
    await alarms().clear("partition-gave-up", partition);
    // Supervisors that are no partition of the reference tree raise nothing.
    const strangers = [`sessions/p${PARTITIONS}`, "inventory/p0", "not-a-service/p0"];
    const none = async () => {
      for (const supervisor of strangers)
        await supervisionAlarms(env, { type: "gave-up", supervisor, offender: "u" });
    };
    expect(await raisedBy(none)).toEqual([]);
  });
});
