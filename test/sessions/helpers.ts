import { env } from "cloudflare:workers";
import type { SessionView } from "../../durable-objects";
import { serviceObject, serviceStub } from "../../durable-objects/runtime/testing";
import { sessionsService } from "../../durable-objects/sessions/service";

/** The session actor of `userId`, reached as the edge reaches it (the object is named by the key). */
export const sessionStub = (userId: string) => serviceObject(env, sessionsService, userId);
export const session = (userId: string) => serviceStub(env, sessionsService, userId);

let seq = 0;
/** A user id no other test uses. */
export const uniqueUser = (prefix = "user") => `${prefix}-${++seq}-${Date.now().toString(36)}`;

/** A presence message as a socket receives it. */
export type Presence = SessionView & { readonly type: "presence" };

/** A client's presence socket: every message it received, and its close. */
export interface PresenceClient {
  readonly socket: WebSocket;
  readonly messages: Presence[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Opens a presence socket straight on the actor (as the edge forwards the upgrade). */
export async function openPresence(userId: string): Promise<PresenceClient | Response> {
  const response = await sessionStub(userId).fetch("https://sessions/presence", {
    headers: { Upgrade: "websocket" },
  });
  const socket = response.webSocket;
  if (!socket) return response;
  return listen(socket);
}

/** Accepts a client socket and records what it receives. */
export function listen(socket: WebSocket): PresenceClient {
  const messages: Presence[] = [];
  socket.accept();
  socket.addEventListener("message", (event) => {
    messages.push(JSON.parse(String(event.data)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener("close", (event) =>
      resolve({ code: event.code, reason: event.reason }),
    ),
  );
  return { socket, messages, closed };
}
