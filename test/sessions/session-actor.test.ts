import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { SessionView } from "../../durable-objects";
import { loadConfig } from "../../durable-objects/config";
import { entityPartition } from "../../durable-objects/runtime";
import { idleTimerDueNow } from "../../durable-objects/runtime/testing";
import { eventually, supervisor } from "../runtime/helpers";
import { openPresence, type PresenceClient, session, sessionStub, uniqueUser } from "./helpers";

const config = loadConfig(env).services.sessions;
const settings = {
  ...config.settings,
  idleTimeoutMs: config.placement.kind === "entity" ? config.placement.idleTimeoutMs : 0,
  partitions: config.placement.kind === "entity" ? config.placement.partitions : 0,
};

async function start(userId: string, device = "phone"): Promise<SessionView> {
  const reply = await session(userId).call("start", { device });
  if (!reply.ok) throw new Error(JSON.stringify(reply));
  return reply.value.session;
}

async function presence(userId: string): Promise<PresenceClient> {
  const client = await openPresence(userId);
  if (client instanceof Response) throw new Error(`presence refused: ${client.status}`);
  return client;
}

const listed = async (userId: string) => {
  const sup = supervisor(entityPartition("sessions", userId, settings.partitions));
  const page = await sup.whichChildren({ limit: 1000 });
  if (!("ok" in page)) throw new Error(JSON.stringify(page));
  return page.children.some((c) => c.id === userId);
};

const ms = (iso: string) => Date.parse(iso);

describe("Session actor: lifecycle", () => {
  it("starts a session for a device: active, the device listed, expiring one idle timeout after it was seen", async () => {
    const user = uniqueUser();
    const reply = await session(user).call("start", { device: "phone" });
    expect(reply).toMatchObject({ ok: true, value: { created: true } });
    if (!reply.ok) return;
    const view = reply.value.session;
    expect(view).toMatchObject({
      userId: user,
      status: "active",
      endedAt: null,
      devices: ["phone"],
      presence: { online: false, connections: 0 },
    });
    expect(view.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ms(view.expiresAt) - ms(view.lastSeenAt)).toBe(settings.idleTimeoutMs);
    expect(ms(view.lastSeenAt)).toBeGreaterThanOrEqual(ms(view.startedAt));
    expect(await listed(user)).toBe(true);
  });

  it("refreshes the active session on a second start: same id, the device joins, last seen moves", async () => {
    const user = uniqueUser();
    const first = await start(user, "phone");
    await eventually(
      async () => Date.now(),
      (now) => now > ms(first.lastSeenAt),
    );
    const refreshed = await session(user).call("start", { device: "laptop" });
    expect(refreshed).toMatchObject({ ok: true, value: { created: false } });
    const second = await start(user, "laptop");
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.startedAt).toBe(first.startedAt);
    expect(second.devices).toEqual(["phone", "laptop"]);
    expect(ms(second.lastSeenAt)).toBeGreaterThan(ms(first.lastSeenAt));
    // A device seen again moves to the end; the list is kept to 16, oldest out.
    for (let i = 0; i < 20; i++) await start(user, `tab-${i}`);
    const last = await start(user, "phone");
    expect(last.devices).toHaveLength(16);
    expect(last.devices.at(-1)).toBe("phone");
    expect(last.devices).not.toContain("laptop");
  });

  it("answers a read without refreshing the session", async () => {
    const user = uniqueUser();
    const started = await start(user);
    await eventually(
      async () => Date.now(),
      (now) => now > ms(started.lastSeenAt),
    );
    expect(await session(user).call("get", null)).toMatchObject({
      ok: true,
      value: { lastSeenAt: started.lastSeenAt, expiresAt: started.expiresAt },
    });
  });

  it("ends a session; ending again answers it as it stands; the next start is a new session", async () => {
    const user = uniqueUser();
    const started = await start(user);
    const ended = await session(user).call("end", null);
    expect(ended).toMatchObject({
      ok: true,
      value: { status: "ended", sessionId: started.sessionId },
    });
    if (!ended.ok) return;
    expect(ended.value.endedAt).not.toBeNull();
    expect(ended.value.expiresAt).toBe(ended.value.endedAt);
    expect(await session(user).call("end", null)).toEqual(ended);
    const next = await start(user);
    expect(next.sessionId).not.toBe(started.sessionId);
    expect(next.status).toBe("active");
  });

  it("answers not-found for a user who never had a session, to reads and ends alike", async () => {
    const user = uniqueUser();
    expect(await session(user).call("get", null)).toMatchObject({ ok: false, code: "not-found" });
    expect(await session(user).call("end", null)).toMatchObject({ ok: false, code: "not-found" });
  });
});

describe("Session actor: presence over hibernatable WebSockets", () => {
  it("sends presence on connect, and to every socket when another connects or leaves", async () => {
    const user = uniqueUser();
    await start(user);
    const phone = await presence(user);
    await eventually(
      async () => phone.messages.length,
      (n) => n === 1,
    );
    expect(phone.messages[0]).toMatchObject({
      type: "presence",
      userId: user,
      status: "active",
      presence: { online: true, connections: 1 },
    });
    const laptop = await presence(user);
    await eventually(
      async () => [phone.messages.length, laptop.messages.length],
      ([p, l]) => p === 2 && l === 1,
    );
    expect(phone.messages[1]?.presence).toEqual({ online: true, connections: 2 });
    expect(laptop.messages[0]?.presence).toEqual({ online: true, connections: 2 });
    laptop.socket.close(1000, "bye");
    await eventually(
      async () => phone.messages.length,
      (n) => n === 3,
    );
    expect(phone.messages[2]?.presence).toEqual({ online: true, connections: 1 });
    expect(await session(user).call("get", null)).toMatchObject({
      value: { presence: { online: true, connections: 1 } },
    });
  });

  it("ending the session sends every socket its last view, then closes them", async () => {
    const user = uniqueUser();
    await start(user);
    const phone = await presence(user);
    await session(user).call("end", null);
    expect(await phone.closed).toEqual({ code: 1000, reason: "session ended" });
    expect(phone.messages.at(-1)).toMatchObject({
      status: "ended",
      presence: { online: false, connections: 0 },
    });
  });

  it("tells the sockets nothing of a change that was rolled back: a crashed end neither announces nor closes, a crashed refresh announces no device", async () => {
    const user = uniqueUser();
    await start(user);
    const phone = await presence(user);
    await eventually(
      async () => phone.messages.length,
      (n) => n === 1,
    );
    let closed: unknown = null;
    void phone.closed.then((c) => {
      closed = c;
    });
    // The crash comes after the handler ran, inside its transaction: every write is undone.
    await sessionStub(user).injectFault({ kind: "crash", count: 1, ms: 0, step: 1 });
    expect(await session(user).call("end", null)).toMatchObject({
      ok: false,
      code: "internal-error",
    });
    await sessionStub(user).injectFault({ kind: "crash", count: 1, ms: 0, step: 1 });
    const refresh = await session(user).call("start", { device: "ghost" });
    expect(refresh).toMatchObject({ ok: false, code: "internal-error" });
    // A committed change after them is delivered, and is the first the socket hears.
    await session(user).call("start", { device: "laptop" });
    await eventually(
      async () => phone.messages.length,
      (n) => n >= 2,
    );
    expect(closed).toBeNull();
    expect(phone.messages.map((m) => [m.status, m.devices])).toEqual([
      ["active", ["phone"]],
      ["active", ["phone", "laptop"]],
    ]);
    expect(await session(user).call("get", null)).toMatchObject({
      value: { status: "active", devices: ["phone", "laptop"] },
    });
    phone.socket.close(1000, "done");
  });

  it("refuses a socket without an active session, and past the per-session limit", async () => {
    const user = uniqueUser();
    const refused = await openPresence(user);
    expect(refused).toBeInstanceOf(Response);
    expect(await (refused as Response).json()).toMatchObject({ code: "session-not-active" });
    await start(user);
    const open = [];
    for (let i = 0; i < settings.maxConnections; i++) open.push(await presence(user));
    const over = await openPresence(user);
    expect(over).toBeInstanceOf(Response);
    expect(await (over as Response).json()).toMatchObject({ code: "presence-limit" });
    for (const client of open) client.socket.close(1000, "done");
  });
});

describe("Session actor: refused sockets", () => {
  it("a refused presence socket is no activity: it neither enrolls a user without a session nor moves an active one's last seen", async () => {
    const stranger = uniqueUser("stranger");
    const refused = await openPresence(stranger);
    expect(refused).toBeInstanceOf(Response);
    expect(await (refused as Response).json()).toMatchObject({ code: "session-not-active" });
    expect(await listed(stranger)).toBe(false);

    const user = uniqueUser();
    await start(user);
    const open = [];
    for (let i = 0; i < settings.maxConnections; i++) open.push(await presence(user));
    const seen = (await session(user).call("get", null)) as { value: SessionView };
    await new Promise((resolve) => setTimeout(resolve, 50));
    const over = await openPresence(user);
    expect(over).toBeInstanceOf(Response);
    expect(await (over as Response).json()).toMatchObject({ code: "presence-limit" });
    expect(await session(user).call("get", null)).toMatchObject({
      value: { lastSeenAt: seen.value.lastSeenAt },
    });
    for (const client of open) client.socket.close(1000, "done");
  });
});

describe("Session actor: after its partition stopped it", () => {
  it("a presence socket brings the session back (enrolled again), as any activity does", async () => {
    const user = uniqueUser();
    await start(user);
    await sessionStub(user).stop("shutdown"); // as a partition giving up stops its entities
    const phone = await openPresence(user);
    expect(phone).not.toBeInstanceOf(Response);
    expect(await listed(user)).toBe(true);
    (phone as PresenceClient).socket.close(1000, "done");
  });
});

describe("Session actor: idle expiry", () => {
  it("expires when its idle timer finds no activity: marked expired, no longer listed, the next start is new", async () => {
    const user = uniqueUser();
    const started = await start(user);
    expect(await listed(user)).toBe(true);
    // The object is evicted (as the platform does with idle objects) and its idle deadline
    // comes due (as time passing would): the alarm then passivates it.
    await abortAllDurableObjects();
    await runInDurableObject(sessionStub(user), (_actor, state) => idleTimerDueNow(state.storage));
    expect(await runDurableObjectAlarm(sessionStub(user))).toBe(true);
    expect(await listed(user)).toBe(false);
    const expired = await session(user).call("get", null);
    expect(expired).toMatchObject({
      ok: true,
      value: { status: "expired", sessionId: started.sessionId },
    });
    const next = await start(user);
    expect(next.sessionId).not.toBe(started.sessionId);
  });

  it("expiring sends every presence socket the expired view and closes them at once, not after the leave reaches the partition", async () => {
    const user = uniqueUser();
    await start(user);
    const phone = await presence(user);
    const partition = supervisor(entityPartition("sessions", user, settings.partitions));
    // Every supervisor's leave waits at a gate until the test opens it (RPC dispatches to
    // the class's methods, so the prototype's is wrapped, and restored below).
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const restore = await runInDurableObject(partition, (instance) => {
      const proto = Object.getPrototypeOf(instance) as {
        childPassivated: (...args: unknown[]) => Promise<unknown>;
      };
      const original = proto.childPassivated;
      proto.childPassivated = async function (this: unknown, ...args: unknown[]) {
        await gate;
        return original.apply(this, args);
      };
      return () => {
        proto.childPassivated = original;
      };
    });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + settings.idleTimeoutMs + 120_000);
      await runInDurableObject(sessionStub(user), (_actor, state) =>
        idleTimerDueNow(state.storage),
      );
      const alarm = runDurableObjectAlarm(sessionStub(user)); // waits at the gate
      const closed = await Promise.race([
        phone.closed,
        new Promise((resolve) => setTimeout(() => resolve("still open"), 2000)),
      ]);
      expect(closed).toEqual({ code: 1000, reason: "session expired" });
      expect(phone.messages.at(-1)).toMatchObject({
        status: "expired",
        presence: { online: false, connections: 0 },
      });
      open();
      expect(await alarm).toBe(true);
      expect(await listed(user)).toBe(false);
    } finally {
      vi.useRealTimers();
      open();
      restore();
    }
  });

  it("does not expire while it had activity since its idle timer was set", async () => {
    const user = uniqueUser();
    await start(user);
    await runInDurableObject(sessionStub(user), (_actor, state) => idleTimerDueNow(state.storage));
    expect(await runDurableObjectAlarm(sessionStub(user))).toBe(true);
    expect(await session(user).call("get", null)).toMatchObject({ value: { status: "active" } });
    expect(await listed(user)).toBe(true);
  });
});
