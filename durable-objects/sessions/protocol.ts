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
};
