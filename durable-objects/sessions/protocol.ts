import { integer, type Vars } from "../../core/config";

export type SessionStatus = "active" | "ended" | "expired";

/** A user's session as clients see it; times are ISO-8601. */
export interface SessionView {
  readonly userId: string;
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly startedAt: string;
  /** Last activity: a start or refresh, or a presence socket opened (reads do not count). */
  readonly lastSeenAt: string;
  /** When an active session expires if nothing happens (`lastSeenAt` + idle timeout); when it ended otherwise. */
  readonly expiresAt: string;
  readonly endedAt: string | null;
  /** Devices that started or refreshed this session, most recent last (at most 16). */
  readonly devices: readonly string[];
  /** Online while at least one presence socket is open. */
  readonly presence: { readonly online: boolean; readonly connections: number };
}

/** What a session actor stores: its one session (the latest one of its user). */
export interface SessionRecord {
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly startedAt: number;
  readonly lastSeenAt: number;
  readonly endedAt: number | null;
  readonly devices: readonly string[];
}

/** The sessions service's commands (the actor is the user: payloads carry no user id). */
export type SessionsProtocol = {
  /** Starts a session for `device` (`created`), or refreshes the active one (the device joins it). */
  start: { payload: { device: string }; value: { created: boolean; session: SessionView } };
  /** `not-found` (the user never had a session). */
  get: { payload: null; value: SessionView };
  /** `not-found`. Ending an ended or expired session answers it as it stands. */
  end: { payload: null; value: SessionView };
  /** Sends the presence to every open socket (after one closed). */
  announce: { payload: null; value: SessionView };
};

/** The service's settings, from `wrangler.toml` vars. */
export interface SessionSettings {
  /** `SESSIONS_IDLE_TIMEOUT_MS` (default 30 min, 1 s – 24 h): no activity for this long ends the session. */
  readonly idleTimeoutMs: number;
  /** `SESSIONS_PARTITIONS` (default 16, 1–1024): `simple_one_for_one` supervisors listing active sessions. */
  readonly partitions: number;
  /** `SESSIONS_MAX_CONNECTIONS` (default 16, 1–1000): presence sockets per session. */
  readonly maxConnections: number;
}

/** Reads and validates the settings (a bad value throws naming the var and its limits). */
export function sessionSettings(env: object): SessionSettings {
  const vars = env as Vars;
  return {
    idleTimeoutMs: integer(vars, "SESSIONS_IDLE_TIMEOUT_MS", 1_800_000, 1000, 86_400_000),
    partitions: integer(vars, "SESSIONS_PARTITIONS", 16, 1, 1024),
    maxConnections: integer(vars, "SESSIONS_MAX_CONNECTIONS", 16, 1, 1000),
  };
}
