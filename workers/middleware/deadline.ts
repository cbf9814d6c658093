import type { Context, MiddlewareHandler } from "hono";
import { deadlineHeader } from "../../core/http";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { countShed, serviceOfRoute } from "../visibility/edge-metrics";

/**
 * Starts the client's clock on arrival (`X-Deadline-Ms`, 1–60000). A malformed header is
 * not refused here: the contract checks route, auth, content type and size first, so it is
 * reported at validation time by `remainingBudget`.
 */
export function deadline(): MiddlewareHandler<AppEnv> {
  return async function deadlineMiddleware(c, next) {
    const raw = c.req.header("X-Deadline-Ms");
    if (raw === undefined) c.set("deadline", { kind: "none" });
    else {
      const parsed = deadlineHeader.safeParse(raw);
      c.set(
        "deadline",
        parsed.success ? { kind: "at", at: Date.now() + parsed.data } : { kind: "invalid", raw },
      );
    }
    await next();
  };
}

/**
 * Milliseconds the client still waits (`undefined`: no deadline). Throws 400 for a bad
 * header and 503 `deadline-exceeded` once the deadline passed: no work nobody waits for.
 */
export function remainingBudget(c: Context<AppEnv>): number | undefined {
  const d = c.get("deadline");
  if (d.kind === "none") return undefined;
  if (d.kind === "invalid") {
    throw new Problem(
      "invalid-request",
      `X-Deadline-Ms must be an integer from 1 to 60000, got "${d.raw}"`,
    );
  }
  const left = d.at - Date.now();
  if (left <= 0) {
    countShed(serviceOfRoute(c.req.routePath), "deadline-exceeded");
    throw new Problem("deadline-exceeded", "the request's deadline passed before work started");
  }
  return left;
}
