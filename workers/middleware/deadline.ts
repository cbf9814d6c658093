import type { Context } from "hono";
import { deadlineHeader } from "../../core/http";
import type { AppEnv, Deadline } from "../context";
import { Problem } from "../errors";
import { countShed, serviceOfRoute } from "../visibility/edge-metrics";

const NO_DEADLINE: Deadline = { kind: "none" };

/**
 * The client's clock, started on arrival (`X-Deadline-Ms`, 1–60000). A malformed header is
 * not refused here: the contract checks route, auth, content type and size first, so it is
 * reported at validation time (`validInput`, `remainingBudget`).
 */
export function deadlineOf(c: Context<AppEnv>): Deadline {
  const raw = c.req.raw.headers.get("X-Deadline-Ms");
  if (raw === null) return NO_DEADLINE;
  const parsed = deadlineHeader.safeParse(raw);
  return parsed.success ? { kind: "at", at: Date.now() + parsed.data } : { kind: "invalid", raw };
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
