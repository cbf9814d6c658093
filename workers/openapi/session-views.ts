import { z } from "zod";
import { named } from "./views";

/** The sessions service's views (`durable-objects/sessions/protocol.ts`), for the document. */

const isoTime = z.string().meta({ format: "date-time", description: "ISO-8601 timestamp" });

export const sessionView = z
  .looseObject({
    userId: z.string(),
    sessionId: z.string(),
    status: z.enum(["active", "ended", "expired"]),
    startedAt: isoTime,
    lastSeenAt: isoTime.meta({
      description: "last activity: a start or refresh, or a presence socket opened",
    }),
    expiresAt: isoTime.meta({
      description: "active: lastSeenAt + SESSIONS_IDLE_TIMEOUT_MS; otherwise when it ended",
    }),
    endedAt: isoTime.nullable(),
    devices: z.array(z.string()).max(16),
    presence: z.object({ online: z.boolean(), connections: z.int().min(0) }),
  })
  .register(named, { id: "SessionView" });

export const presenceMessage = z
  .object({ type: z.literal("presence") })
  .extend(sessionView.shape)
  .register(named, {
    id: "PresenceMessage",
    description: "sent on connect and whenever presence or the session changes",
  });
