import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/app";
import { expectProblem, http } from "../workers/client";
import { edgeWith, unreachableNamespace } from "../workers/hardening/fault-points";
import { listen, uniqueUser } from "./helpers";

const path = (userId: string) => `/v1/sessions/${userId}`;
const start = (userId: string, body: unknown = { device: "phone" }, headers = {}) =>
  http("POST", path(userId), { body, headers });

/**
 * Requests on `user`'s session from one new client address, through an edge whose per-client
 * limit is `perMinute` (a start's body included on POST).
 */
function limitedClient(user: string, perMinute: number) {
  const app = createApp();
  const limited = { ...env, RATE_LIMIT_PER_MINUTE: String(perMinute) };
  // A /64 of its own (the limit counts an IPv6 client by its /64): no other test shares it.
  const group = () => Math.floor(Math.random() * 0x10000).toString(16);
  const client = `2001:db8:${group()}:${group()}::1`;
  return (method: string, suffix = "") =>
    app.fetch(
      new Request(`http://edge.test${path(user)}${suffix}`, {
        method,
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": client },
        ...(method === "POST" ? { body: JSON.stringify({ device: "phone" }) } : {}),
      }),
      limited,
      createExecutionContext(),
    );
}

describe("Sessions over the edge", () => {
  it("answers 201 for a new session, 200 for a refresh, and reads and ends it", async () => {
    const user = uniqueUser();
    const created = await start(user);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ userId: user, status: "active", devices: ["phone"] });
    const refreshed = await start(user, { device: "laptop" });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toMatchObject({
      sessionId: created.json.sessionId,
      devices: ["phone", "laptop"],
    });
    const read = await http("GET", path(user));
    expect(read.status).toBe(200);
    expect(read.json.lastSeenAt).toBe(refreshed.json.lastSeenAt);
    const ended = await http("DELETE", path(user));
    expect(ended.status).toBe(200);
    expect(ended.json).toMatchObject({ status: "ended", sessionId: created.json.sessionId });
    expect((await http("DELETE", path(user))).json).toEqual(ended.json);
  });

  it("answers 404 not-found for a user without a session", async () => {
    const user = uniqueUser();
    expectProblem(await http("GET", path(user)), 404, "not-found");
    expectProblem(await http("DELETE", path(user)), 404, "not-found");
  });

  it("replays a keyed start and refuses the key with another body", async () => {
    const user = uniqueUser();
    const key = { "Idempotency-Key": "start-1" };
    const first = await start(user, { device: "phone" }, key);
    expect(first.status).toBe(201);
    await http("DELETE", path(user));
    const replay = await start(user, { device: "phone" }, key);
    expect({ status: replay.status, json: replay.json }).toEqual({
      status: first.status,
      json: first.json,
    });
    expectProblem(await start(user, { device: "tablet" }, key), 422, "idempotency-key-reused");
    expect((await http("GET", path(user))).json).toMatchObject({ status: "ended" });
  });

  it("refuses bad input with a 4xx problem and changes nothing", async () => {
    const user = uniqueUser();
    expectProblem(await start("-bad-user"), 400, "invalid-request");
    expectProblem(await start(`${"u".repeat(65)}`), 400, "invalid-request");
    expectProblem(await start(user, { device: "" }), 400, "invalid-request");
    expectProblem(await start(user, { device: "a phone" }), 400, "invalid-request");
    expectProblem(await start(user, { device: "phone", admin: true }), 400, "invalid-request");
    expectProblem(await start(user, {}), 400, "invalid-request");
    expectProblem(
      await http("POST", path(user), {
        raw: "{not json",
        headers: { "Content-Type": "application/json" },
      }),
      400,
      "invalid-request",
    );
    expectProblem(
      await http("POST", path(user), {
        raw: "device=phone",
        headers: { "Content-Type": "text/plain" },
      }),
      415,
      "unsupported-media-type",
    );
    expectProblem(
      await start(user, { device: "phone" }, { "Idempotency-Key": "has space" }),
      400,
      "invalid-request",
    );
    expectProblem(
      await http("PUT", path(user), { body: { device: "phone" } }),
      405,
      "method-not-allowed",
    );
    expectProblem(await http("GET", `${path(user)}/presence`), 400, "invalid-request");
    expectProblem(await http("GET", path(user)), 404, "not-found"); // nothing was started
  });

  it("counts starts and ends against the per-client rate limit, not reads", async () => {
    const send = limitedClient(uniqueUser(), 2);
    const statuses: number[] = [];
    for (const method of ["POST", "GET", "GET", "DELETE", "POST"]) {
      statuses.push((await send(method)).status);
    }
    expect(statuses).toEqual([201, 200, 200, 200, 429]);
  });

  it("refuses a presence request without an upgrade (400) before the rate limit, spending no token", async () => {
    const send = limitedClient(uniqueUser(), 2);
    const statuses: number[] = [];
    for (const [method, suffix] of [
      ["GET", "/presence"],
      ["GET", "/presence"],
      ["GET", "/presence"],
      ["POST", ""],
      ["POST", ""],
      ["POST", ""],
      ["GET", "/presence"],
    ] as const) {
      statuses.push((await send(method, suffix)).status);
    }
    // The 400s spent nothing: both tokens went to the starts; over the limit, still a 400.
    expect(statuses).toEqual([400, 400, 400, 201, 200, 429, 400]);
  });

  it("answers 503 with Retry-After, not 500, when the user's object cannot be reached for the upgrade", async () => {
    const r = await edgeWith(
      { SESSIONS: unreachableNamespace(env.SESSIONS) },
      "GET",
      `${path(uniqueUser())}/presence`,
      { headers: { Upgrade: "websocket" } },
    );
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: "service-unavailable" });
    expect(Number(r.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });

  it("upgrades the presence socket through the edge and refuses it without an active session", async () => {
    const user = uniqueUser();
    const upgrade = () =>
      exports.default.fetch(`http://edge.test${path(user)}/presence`, {
        headers: { Upgrade: "websocket" },
      });
    const refused = await upgrade();
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "session-not-active" });
    await start(user);
    const accepted = await upgrade();
    expect(accepted.status).toBe(101);
    const client = listen(accepted.webSocket as WebSocket);
    await http("DELETE", path(user));
    expect(await client.closed).toEqual({ code: 1000, reason: "session ended" });
    expect(client.messages[0]).toMatchObject({ type: "presence", presence: { connections: 1 } });
    expect(client.messages.at(-1)).toMatchObject({ status: "ended" });
  });

  it("answers a presence socket over the session's limit 429 presence-limit with Retry-After", async () => {
    const user = uniqueUser();
    await start(user);
    const upgrade = () =>
      exports.default.fetch(`http://edge.test${path(user)}/presence`, {
        headers: { Upgrade: "websocket" },
      });
    const max = Number(env.SESSIONS_MAX_CONNECTIONS);
    const open: WebSocket[] = [];
    for (let i = 0; i < max; i++) {
      const accepted = await upgrade();
      expect(accepted.status).toBe(101);
      const socket = accepted.webSocket as WebSocket;
      socket.accept();
      open.push(socket);
    }
    const over = await upgrade();
    expect(over.status).toBe(429);
    expect(over.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await over.json()).toMatchObject({ code: "presence-limit" });
    expect(Number(over.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    for (const socket of open) socket.close(1000, "done");
  });
});
