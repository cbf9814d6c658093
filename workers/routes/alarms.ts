import type { Context, Hono, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ackBody, beforeQuery } from "../../core/alarms";
import { describeIssues } from "../../core/http";
import { alarmManager } from "../../durable-objects";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { adminAuth } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { resource } from "../resource";

/** Who acts through the admin API (the bearer token carries no identity). */
const OPERATOR = "admin";

/**
 * A body that may be absent: no body (or `Content-Length: 0`) is `{}`; a body goes through
 * the usual checks (415, 413, JSON).
 */
function optionalJsonBody(): MiddlewareHandler<AppEnv> {
  const withBody = jsonBody();
  return async function optionalJsonBodyMiddleware(c, next) {
    if (c.req.raw.body === null || c.req.header("Content-Length") === "0") {
      c.set("body", {});
      await next();
      return;
    }
    await withBody(c, next);
  };
}

function before(c: Context<AppEnv>): number | undefined {
  const raw = c.req.query("before");
  if (raw === undefined) return undefined;
  const parsed = beforeQuery.safeParse(raw);
  if (!parsed.success) {
    throw new Problem(
      "invalid-request",
      `before ${describeIssues(parsed.error).replace(/^body: /, "")}`,
    );
  }
  return parsed.data;
}

const alarmIdOf = (c: Context<AppEnv>) => c.req.param("id") ?? "";

/** Visibility: alarms (list, acknowledge, clear) and the notification delivery log. Admin only. */
export function alarmRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/ops/alarms", {
    GET: [
      adminAuth(),
      validate({}),
      async (c) => c.json(await alarmManager(c.env).list(before(c))),
    ],
  });

  resource(app, "/v1/ops/alarms/:id/ack", {
    POST: [
      adminAuth(),
      optionalJsonBody(),
      validate({ body: ackBody }),
      async (c) => {
        const { note } = input<z.infer<typeof ackBody>>(c).body;
        const id = alarmIdOf(c);
        const alarm = await alarmManager(c.env).acknowledge(id, OPERATOR, note);
        if (!alarm) throw new Problem("not-found", `no active alarm ${id}`);
        return c.json(alarm);
      },
    ],
  });

  // No body: like every body-less endpoint, whatever body and content type come are ignored.
  resource(app, "/v1/ops/alarms/:id/clear", {
    POST: [
      adminAuth(),
      validate({}),
      async (c) => {
        const result = await alarmManager(c.env).clearById(alarmIdOf(c), OPERATOR);
        if (!result.ok) throw new Problem(result.code, result.detail);
        return c.json(result.alarm);
      },
    ],
  });

  resource(app, "/v1/ops/notifications", {
    GET: [
      adminAuth(),
      validate({}),
      async (c) => c.json(await alarmManager(c.env).notifications()),
    ],
  });
}
