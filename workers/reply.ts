import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Reply } from "../durable-objects/runtime";
import type { AppEnv } from "./context";
import { fromFailure } from "./errors";

/** An actor's reply as HTTP: the value with `status`, or the failure as a problem. */
export function answer<T>(
  c: Context<AppEnv>,
  reply: Reply<T>,
  status: ContentfulStatusCode = 200,
): Response {
  if (!reply.ok) throw fromFailure(reply);
  return c.json(reply.value as object, status);
}

/** The client's absolute deadline, for `guarded` (validation already rejected a bad header). */
export function clientDeadline(c: Context<AppEnv>): number | undefined {
  const d = c.get("deadline");
  return d.kind === "at" ? d.at : undefined;
}
