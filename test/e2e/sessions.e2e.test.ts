import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { expectStatus, unique, useBulwark } from "./contract";
import { fetchJson, openSocket, SocketRefusedError } from "./harness";

/**
 * The sessions service over a real `wrangler dev`: start, presence over WebSocket (one actor
 * per user, its sockets hibernatable), end, and expiry after the idle timeout — with a short
 * timeout so the expiry happens within the test.
 */
const IDLE_TIMEOUT_MS = 5000;
const api = useBulwark({ vars: { SESSIONS_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) } });

interface Presence {
  readonly type: string;
  readonly status: string;
  readonly sessionId: string;
  readonly presence: { readonly online: boolean; readonly connections: number };
}

/** A presence socket: what it received, and how it closed. */
interface PresenceSocket {
  readonly messages: Presence[];
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

function presence(userId: string): Promise<PresenceSocket> {
  const socket = new WebSocket(api.url(`/v1/sessions/${userId}/presence`).replace(/^http/, "ws"));
  const messages: Presence[] = [];
  socket.on("message", (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve({ messages, closed, close: () => socket.close(1000) }));
    socket.once("error", reject);
  });
}

/** Polls `probe` until `ok`, failing after `ms` with the last value. */
async function until<T>(probe: () => T, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits for the socket's close. In local `wrangler dev` the closing handshake of a
 * hibernatable socket the server closed completes only when the object handles its next
 * event, so the test reads the session once first (in workerd tests the close is immediate).
 */
async function closedAfterRead(socket: PresenceSocket, userId: string) {
  await fetchJson(api.url(`/v1/sessions/${userId}`));
  return socket.closed;
}

const start = (userId: string, device: string) =>
  fetchJson(api.url(`/v1/sessions/${userId}`), { method: "POST", json: { device } });

describe("sessions over HTTP and WebSocket", () => {
  it("tells every presence socket who is connected, and closes them when the session ends", async () => {
    const user = unique("user");
    expectStatus(await start(user, "phone"), 201);
    expectStatus(await start(user, "laptop"), 200);
    const phone = await presence(user);
    await until(
      () => phone.messages.length,
      (n) => n === 1,
    );
    expect(phone.messages[0]).toMatchObject({
      type: "presence",
      status: "active",
      presence: { online: true, connections: 1 },
    });
    const laptop = await presence(user);
    await until(
      () => phone.messages.at(-1)?.presence.connections,
      (n) => n === 2,
    );
    laptop.close();
    await until(
      () => phone.messages.at(-1)?.presence.connections,
      (n) => n === 1,
    );
    const ended = await fetchJson(api.url(`/v1/sessions/${user}`), { method: "DELETE" });
    expectStatus(ended, 200);
    await until(
      () => phone.messages.at(-1)?.status,
      (status) => status === "ended",
    );
    expect(phone.messages.at(-1)).toMatchObject({ presence: { online: false } });
    expect(await closedAfterRead(phone, user)).toEqual({ code: 1000, reason: "session ended" });
  });

  it("refuses a presence socket without an active session, with a problem", async () => {
    const user = unique("user");
    const refused = await openSocket(api.url(`/v1/sessions/${user}/presence`)).catch((e) => e);
    expect(refused).toBeInstanceOf(SocketRefusedError);
    expect((refused as SocketRefusedError).status).toBe(409);
    expect(JSON.parse((refused as SocketRefusedError).body)).toMatchObject({
      code: "session-not-active",
    });
  });

  it("expires a session after the idle timeout: its socket gets the expired view and closes", async () => {
    const user = unique("user");
    const started = await start(user, "phone");
    expectStatus(started, 201);
    const phone = await presence(user);
    // The idle timer fires at most a quarter of the timeout after the deadline; the budget
    // doubles that for a loaded machine.
    await until(
      () => phone.messages.at(-1)?.status,
      (status) => status === "expired",
      (IDLE_TIMEOUT_MS + IDLE_TIMEOUT_MS / 4) * 2,
    );
    expect(phone.messages.at(-1)).toMatchObject({ presence: { online: false } });
    expect(await closedAfterRead(phone, user)).toEqual({ code: 1000, reason: "session expired" });
    const after = await fetchJson(api.url(`/v1/sessions/${user}`));
    expectStatus(after, 200);
    expect(after.body).toMatchObject({ status: "expired" });
    const next = await start(user, "phone");
    expectStatus(next, 201);
    expect((next.body as { sessionId: string }).sessionId).not.toBe(
      (started.body as { sessionId: string }).sessionId,
    );
  });
});
