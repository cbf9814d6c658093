import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../durable-objects/config";
import { entityPartition } from "../../durable-objects/runtime";
import {
  idleTimerDueNow,
  retentionDueNow,
  storedState,
} from "../../durable-objects/runtime/testing";
import { supervisor } from "../runtime/helpers";
import { expectProblem, http } from "../workers/client";
import { openPresence, session, sessionStub, uniqueUser } from "./helpers";

const placement = loadConfig(env).services.sessions.placement;
const partitions = placement.kind === "entity" ? placement.partitions : 0;
const idleTimeoutMs = placement.kind === "entity" ? placement.idleTimeoutMs : 0;
const retentionMs = placement.kind === "entity" ? (placement.retentionMs ?? 0) : 0;

const stored = (user: string) =>
  runInDurableObject(sessionStub(user), (_actor, state) => storedState(state.storage));

/** What an object that never wrote (or was erased) keeps: nothing. */
const NOTHING = { tables: [], keys: [], alarm: null };

/** `user`'s object keeps nothing: no table, key or alarm; an empty database of one 4 KiB page. */
async function expectNothingStored(user: string) {
  const after = await stored(user);
  expect(after).toMatchObject(NOTHING);
  expect(after.databaseSize).toBeLessThanOrEqual(4096);
}

const partitionOf = (user: string) => supervisor(entityPartition("sessions", user, partitions));

const listed = async (user: string) => {
  const page = await partitionOf(user).whichChildren({
    limit: 1000,
  });
  if (!("ok" in page)) throw new Error(JSON.stringify(page));
  return page.children.some((c) => c.id === user);
};

/** Starts `user`'s session, then lets it expire: evicted, its idle timer due, the alarm run. */
async function expired(user: string, meta = {}) {
  const reply = await session(user).call("start", { device: "phone" }, meta);
  if (!reply.ok) throw new Error(JSON.stringify(reply));
  await abortAllDurableObjects();
  await runInDurableObject(sessionStub(user), (_actor, state) => idleTimerDueNow(state.storage));
  expect(await runDurableObjectAlarm(sessionStub(user))).toBe(true);
  expect(await session(user).call("get", null)).toMatchObject({ value: { status: "expired" } });
  return reply.value.session;
}

/** Brings `user`'s retention timer due and runs the alarm. */
async function retentionRunsOut(user: string) {
  await runInDurableObject(sessionStub(user), (_actor, state) => retentionDueNow(state.storage));
  expect(await runDurableObjectAlarm(sessionStub(user))).toBe(true);
}

describe("Sessions: storage of users who never had a session", () => {
  it("a GET of an unknown user, a read and a refused presence socket leave the object no storage", async () => {
    const user = uniqueUser("stranger");
    expectProblem(await http("GET", `/v1/sessions/${user}`), 404, "not-found");
    expect(await session(user).call("get", null)).toMatchObject({ ok: false, code: "not-found" });
    const refused = await openPresence(user);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(409);
    // Not one table (the runtime's are created with the first write), not the object's name,
    // no alarm: the empty database of a never-written object (one 4 KiB page).
    await expectNothingStored(user);
    // Evicted and read again: still nothing.
    await abortAllDurableObjects();
    expect(await session(user).call("get", null)).toMatchObject({ code: "not-found" });
    expect(await stored(user)).toMatchObject(NOTHING);
  });
});

describe("Sessions: ending the session of a user who never had one", () => {
  it("answers 404 and leaves the object no storage, and the user is never enrolled", async () => {
    const user = uniqueUser("stranger-end");
    expectProblem(await http("DELETE", `/v1/sessions/${user}`), 404, "not-found");
    expect(await session(user).call("end", null)).toMatchObject({ ok: false, code: "not-found" });
    await expectNothingStored(user);
    expect(await listed(user)).toBe(false);
  });

  it("still ends a session that exists, and answers an ended one as it stands", async () => {
    const user = uniqueUser("ender");
    expect(await session(user).call("start", { device: "phone" })).toMatchObject({ ok: true });
    await abortAllDurableObjects(); // a fresh incarnation reads what exists from storage
    const ended = await http("DELETE", `/v1/sessions/${user}`);
    expect(ended.status).toBe(200);
    expect(ended.json).toMatchObject({ status: "ended" });
    expect((await http("DELETE", `/v1/sessions/${user}`)).json).toMatchObject({ status: "ended" });
  });
});

describe("Sessions: a user whose session aged out gives its storage back", () => {
  it("is erased once its retention runs out after it expired: no table, no key, no alarm; the next start is a new session", async () => {
    const user = uniqueUser("aged");
    const first = await expired(user);
    expect(await listed(user)).toBe(false);
    expect((await stored(user)).keys).toContain("session"); // kept while retained
    await retentionRunsOut(user);
    await expectNothingStored(user);
    // Gone for clients too: 404, as for a user who never had one; reading writes nothing.
    expectProblem(await http("GET", `/v1/sessions/${user}`), 404, "not-found");
    expect(await stored(user)).toMatchObject(NOTHING);
    // The next start begins from nothing: a new session, enrolled with its partition.
    const next = await session(user).call("start", { device: "laptop" });
    expect(next).toMatchObject({ ok: true, value: { created: true } });
    if (!next.ok) return;
    expect(next.value.session.sessionId).not.toBe(first.sessionId);
    expect(next.value.session.devices).toEqual(["laptop"]);
    expect(await listed(user)).toBe(true);
    expect(await session(user).call("get", null)).toMatchObject({
      value: { status: "active", sessionId: next.value.session.sessionId },
    });
    // And it expires again as any session does (its idle timer is armed anew).
    expect((await stored(user)).alarm).not.toBeNull();
  });

  it("erases nothing when the retention timer finds the user active again", async () => {
    const user = uniqueUser("back");
    await expired(user);
    const back = await session(user).call("start", { device: "phone" });
    expect(back).toMatchObject({ ok: true, value: { created: true } });
    await retentionRunsOut(user);
    expect(await session(user).call("get", null)).toMatchObject({ value: { status: "active" } });
    expect(await listed(user)).toBe(true);
  });

  it("keeps the storage while an idempotency record of the user is live, and erases it after the sweep", async () => {
    const user = uniqueUser("keyed");
    await expired(user, { idempotencyKey: "start-1", fingerprint: "f" });
    await retentionRunsOut(user);
    // A retried start with that key within the record's 24 h must still get its reply.
    expect((await stored(user)).keys).toContain("session");
    expect(await session(user).call("get", null)).toMatchObject({ value: { status: "expired" } });
    // The record expires and its sweep runs; the retention timer, moved past the sweep, erases.
    await runInDurableObject(sessionStub(user), (_actor, state) => {
      state.storage.sql.exec("UPDATE _bulwark_idempotency SET expires_at = ?", Date.now() - 1);
      state.storage.sql.exec(
        "UPDATE _bulwark_timers SET due = ? WHERE name = 'bulwark:idempotency-sweep'",
        Date.now() - 1,
      );
    });
    expect(await runDurableObjectAlarm(sessionStub(user))).toBe(true);
    await retentionRunsOut(user);
    expect(await stored(user)).toMatchObject(NOTHING);
  });
});

describe("Sessions: a user whose session its supervisor stopped gives its storage back", () => {
  /** Starts `user`'s session (with `meta`), then has its partition's supervisor terminate it. */
  async function stopped(user: string, meta = {}) {
    const reply = await session(user).call("start", { device: "phone" }, meta);
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    expect(await partitionOf(user).terminateChild(user)).toEqual({ ok: true });
    expect(await listed(user)).toBe(false);
    return reply.value.session;
  }

  it("is erased once its retention runs out after the stop, though a stopped session never passivates", async () => {
    const user = uniqueUser("stopped");
    const before = Date.now();
    await stopped(user);
    // Kept while retained, and the alarm now waits for the retention (the idle timer does
    // not run while the session is stopped).
    const kept = await stored(user);
    expect(kept.keys).toContain("session");
    expect(kept.alarm).toBeGreaterThanOrEqual(before + retentionMs);
    await retentionRunsOut(user);
    await expectNothingStored(user);
    // Gone for clients too: 404, as for a user who never had one, and the next start is new.
    expectProblem(await http("GET", `/v1/sessions/${user}`), 404, "not-found");
    const next = await session(user).call("start", { device: "laptop" });
    expect(next).toMatchObject({ ok: true, value: { created: true } });
    expect(await listed(user)).toBe(true);
  });

  it("comes back with its session when the user returns first, and the retention timer then erases nothing", async () => {
    const user = uniqueUser("stopped-back");
    const first = await stopped(user);
    const back = await session(user).call("start", { device: "phone" });
    expect(back).toMatchObject({ ok: true, value: { created: false } });
    expect(await listed(user)).toBe(true);
    // Active again: its alarm is the idle timer's once more, not the retention's.
    expect((await stored(user)).alarm).toBeLessThanOrEqual(Date.now() + idleTimeoutMs + 60_000);
    await retentionRunsOut(user);
    expect(await session(user).call("get", null)).toMatchObject({
      value: { status: "active", sessionId: first.sessionId },
    });
    expect((await stored(user)).keys).toContain("session");
  });

  it("keeps the storage while an idempotency record is live, and erases it when the record expires though its sweep never ran", async () => {
    const user = uniqueUser("stopped-keyed");
    await stopped(user, { idempotencyKey: "start-1", fingerprint: "f" });
    await retentionRunsOut(user);
    expect((await stored(user)).keys).toContain("session");
    // The record expires; a stopped session runs no timer, so the sweep stays due and unrun.
    await runInDurableObject(sessionStub(user), (_actor, state) => {
      state.storage.sql.exec("UPDATE _bulwark_idempotency SET expires_at = ?", Date.now() - 1);
      state.storage.sql.exec(
        "UPDATE _bulwark_timers SET due = ? WHERE name = 'bulwark:idempotency-sweep'",
        Date.now() - 1,
      );
    });
    await retentionRunsOut(user);
    await expectNothingStored(user);
  });
});
