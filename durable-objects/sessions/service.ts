import { integer } from "../../core/config";
import { defineService } from "../runtime/service";
import type { SessionsProtocol } from "./protocol";

/**
 * The sessions service: one actor per user (named by the user id), passivated — its session
 * expired — after 30 min without activity (`SESSIONS_IDLE_TIMEOUT_MS`); the active ones are
 * listed by 16 partition supervisors (`SESSIONS_PARTITIONS`). A passive user's storage — the
 * ended or expired session — is erased 24 h after it passivated (`SESSIONS_RETENTION_MS`;
 * later while an idempotency record of it is live), so storage grows with recent users only.
 */
export const sessionsService = defineService<SessionsProtocol>()({
  name: "sessions",
  binding: "SESSIONS",
  placement: { kind: "entity", idleTimeoutMs: 1_800_000, partitions: 16, retentionMs: 86_400_000 },
  failures: {
    "session-not-active": { status: 409, title: "Session Not Active" },
    "presence-limit": { status: 429, title: "Presence Limit" },
  },
  settings: (vars) => ({
    /** `SESSIONS_MAX_CONNECTIONS` (1–1000, default 16): presence sockets per session. */
    maxConnections: integer(vars, "SESSIONS_MAX_CONNECTIONS", 16, 1, 1000),
  }),
});
