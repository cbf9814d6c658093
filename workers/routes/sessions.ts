import type { Handler, Hono } from "hono";
import { startSessionBody, userIdParam } from "../../core/http/session-schemas";
import type { Failure } from "../../durable-objects/runtime";
import type { AppEnv } from "../context";
import { fromFailure, Problem } from "../errors";
import { clientRateLimit } from "../middleware/client-rate-limit";
import { input, validate } from "../middleware/validate";
import { webSocketUpgrade } from "../middleware/websocket-upgrade";
import { resource } from "../resource";
import { serviceRoute } from "../service-route";

const user = { userId: userIdParam };

/** Sessions routes (one actor per user): start or refresh, read, end, the presence socket. */
export function sessionRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/sessions/:userId", {
    GET: serviceRoute({
      service: "sessions",
      command: "get",
      kind: "read",
      params: user,
      key: ({ params }) => params.userId,
      payload: () => null,
    }),
    // A start is an effect: resent after a lost reply it would answer "refreshed" (200) for
    // a session it created, or start a new one after a concurrent end. With an
    // Idempotency-Key it is retried and answers the first reply exactly.
    POST: serviceRoute({
      service: "sessions",
      command: "start",
      kind: "effect",
      params: user,
      body: startSessionBody,
      idempotencyKey: "optional",
      scope: "session",
      key: ({ params }) => params.userId,
      payload: ({ body }) => body,
      respond: (c, reply) => {
        if (!reply.ok) throw fromFailure(reply);
        return c.json(reply.value.session, reply.value.created ? 201 : 200);
      },
    }),
    DELETE: serviceRoute({
      service: "sessions",
      command: "end",
      kind: "absolute",
      params: user,
      key: ({ params }) => params.userId,
      payload: () => null,
    }),
  });

  resource(app, "/v1/sessions/:userId/presence", {
    // The upgrade is part of the request's validity: refused (400) before a token is spent.
    GET: [validate({ params: user }), webSocketUpgrade(), clientRateLimit(), presenceSocket],
  });
}

/** The presence WebSocket: the upgrade goes to the user's session actor, which accepts it. */
const presenceSocket: Handler<AppEnv> = async function presenceSocket(c) {
  const router = c.get("router");
  const address = router.locate("sessions", input(c).params.userId ?? "");
  const response = await router
    .stub(address)
    .fetch(c.req.url, { headers: { Upgrade: "websocket" } })
    .catch((error: unknown) => {
      // A reset or unreachable object: the client may retry; it is not a bug of ours.
      throw new Problem(
        "service-unavailable",
        `the session of this user cannot take a presence socket now: ${String(error)}`,
        1000,
      );
    });
  if (response.status === 101) return response;
  // A refusal is a JSON failure; a stopped actor answers 503 in plain text (Actor.fetch).
  if (response.headers.get("Content-Type")?.includes("application/json")) {
    throw fromFailure((await response.json()) as Failure);
  }
  throw new Problem("service-unavailable", "the sessions service cannot take presence sockets now");
};
