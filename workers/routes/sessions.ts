import type { Context, Hono } from "hono";
import type { z } from "zod";
import { canonicalJson } from "../../core/http";
import { startSessionBody, userIdParam } from "../../core/http/session-schemas";
import type { SessionsProtocol } from "../../durable-objects";
import { ActorRef, entityPartition, type Failure } from "../../durable-objects/runtime";
import { sessionSettings } from "../../durable-objects/sessions/protocol";
import type { AppEnv } from "../context";
import { fromFailure, Problem } from "../errors";
import { clientRateLimit } from "../middleware/client-rate-limit";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { answer, clientDeadline } from "../reply";
import { resource } from "../resource";
import { guarded } from "../shard-call";

const user = { userId: userIdParam };

/** The session actor of the request's user, called through its partition's breaker. */
function sessionOf(c: Context<AppEnv>, idempotent: boolean) {
  const userId = input(c).params.userId ?? "";
  const partitions = sessionSettings(c.env).partitions;
  const address = {
    service: "sessions",
    index: 0,
    name: entityPartition("sessions", userId, partitions),
  };
  const stub = () => c.env.SESSIONS.get(c.env.SESSIONS.idFromName(userId));
  return {
    userId,
    stub,
    call: <K extends keyof SessionsProtocol & string>(
      command: K,
      payload: SessionsProtocol[K]["payload"],
      meta = {},
    ) =>
      guarded(
        address as never,
        { idempotent, deadline: clientDeadline(c), meta: { reserved: c.get("admin"), ...meta } },
        (m) => new ActorRef<SessionsProtocol>(stub()).call(command, payload, m),
      ),
  };
}

/** Sessions routes: start or refresh, read, end, and the presence socket. */
export function sessionRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/sessions/:userId", {
    GET: [
      validate({ params: user }),
      async (c) => answer(c, await sessionOf(c, true).call("get", null)),
    ],
    POST: [
      jsonBody(),
      validate({ params: user, body: startSessionBody, idempotencyKey: "optional" }),
      clientRateLimit(),
      async (c) => {
        const { body, idempotencyKey } = input<z.infer<typeof startSessionBody>>(c);
        const session = sessionOf(c, true);
        const keyed =
          idempotencyKey === undefined
            ? {}
            : {
                idempotencyKey: `session/${session.userId}/${idempotencyKey}`,
                fingerprint: canonicalJson(body),
              };
        const reply = await session.call("start", body, keyed);
        if (!reply.ok) throw fromFailure(reply);
        return c.json(reply.value.session, reply.value.created ? 201 : 200);
      },
    ],
    DELETE: [
      validate({ params: user }),
      clientRateLimit(),
      async (c) => answer(c, await sessionOf(c, true).call("end", null)),
    ],
  });

  resource(app, "/v1/sessions/:userId/presence", {
    GET: [
      validate({ params: user }),
      clientRateLimit(),
      async (c) => {
        if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
          throw new Problem(
            "invalid-request",
            "this endpoint expects a WebSocket upgrade (Upgrade: websocket)",
          );
        }
        const response = await sessionOf(c, true)
          .stub()
          .fetch(c.req.raw.url, { headers: { Upgrade: "websocket" } });
        if (response.status === 101) return response;
        // A refusal is a JSON failure; a stopped actor answers 503 in plain text (Actor.fetch).
        const json = response.headers.get("Content-Type")?.includes("application/json");
        if (json) throw fromFailure((await response.json()) as Failure);
        throw new Problem(
          "service-unavailable",
          "the sessions service cannot take presence sockets now",
        );
      },
    ],
  });
}
