import { type Failure, fail } from "../runtime";
import type { SessionRecord, SessionView } from "./protocol";

/**
 * A user's session record and its transitions, pure: what the session actor stores, how a
 * start, an end and a presence socket change it, and how clients see it.
 */

/** The answer for a user who never had a session. */
export const noSession = (): Failure => fail("not-found", "the user has no session");

/** Devices a session remembers, most recent last (the oldest drop out). */
export const DEVICES_KEPT = 16;

const iso = (ms: number) => new Date(ms).toISOString();

/** The active session refreshed by `device`, or (`active` null) a new session started at `now`. */
export function startedSession(
  active: SessionRecord | null,
  device: string,
  now: number,
): SessionRecord {
  const session = active ?? {
    sessionId: crypto.randomUUID(),
    status: "active",
    startedAt: now,
    lastSeenAt: now,
    endedAt: null,
    devices: [],
  };
  const devices = [...session.devices.filter((d) => d !== device), device];
  return { ...session, lastSeenAt: now, devices: devices.slice(-DEVICES_KEPT) };
}

/** The active session ended (`ended`) or expired at `at`, last seen at `lastActiveAt`. */
export function endedSession(
  active: SessionRecord,
  status: "ended" | "expired",
  at: number,
  lastActiveAt: number | null,
): SessionRecord {
  const lastSeenAt = Math.max(lastActiveAt ?? 0, active.lastSeenAt);
  return { ...active, status, endedAt: at, lastSeenAt };
}

/**
 * How soon a client refused for `presence-limit` may try again: a slot frees only when one
 * of the session's sockets closes, which nothing here can foresee.
 */
const PRESENCE_RETRY_AFTER_MS = 5000;

/** Why a presence socket is refused: no active session, or `maxConnections` sockets open. */
export function presenceRefusal(
  active: SessionRecord | null,
  open: readonly unknown[],
  { maxConnections }: { readonly maxConnections: number },
): Failure | null {
  if (!active) return fail("session-not-active", "start a session before opening presence");
  if (open.length >= maxConnections) {
    return fail("presence-limit", `at most ${maxConnections} presence sockets per session`, {
      retryAfterMs: PRESENCE_RETRY_AFTER_MS,
    });
  }
  return null;
}

/**
 * `session` as clients see it, given the idle timeout and what only the running actor knows
 * (`live`): its last activity (the runtime's idle clock) and its open presence sockets.
 */
export function sessionView(
  userId: string,
  session: SessionRecord,
  idleTimeoutMs: number | null,
  live: { readonly lastActiveAt: number | null; readonly connections: number },
): SessionView {
  const active = session.status === "active";
  // The runtime's clock of activity, never before the last activity the record knows.
  const lastSeenAt = active
    ? Math.max(live.lastActiveAt ?? 0, session.lastSeenAt)
    : session.lastSeenAt;
  const connections = active ? live.connections : 0;
  return {
    userId,
    sessionId: session.sessionId,
    status: session.status,
    startedAt: iso(session.startedAt),
    lastSeenAt: iso(lastSeenAt),
    expiresAt: iso(session.endedAt ?? lastSeenAt + (idleTimeoutMs ?? 0)),
    endedAt: session.endedAt === null ? null : iso(session.endedAt),
    devices: session.devices,
    presence: { online: connections > 0, connections },
  };
}
