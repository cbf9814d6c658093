import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { Problem } from "../errors";

/**
 * The socket routes' own validity check: a request without `Upgrade: websocket` is a `400`,
 * answered with the other validation failures, before the rate limit or any shard call.
 */
export function webSocketUpgrade(): MiddlewareHandler<AppEnv> {
  return async function webSocketUpgradeMiddleware(c, next) {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new Problem(
        "invalid-request",
        "this endpoint expects a WebSocket upgrade (Upgrade: websocket)",
      );
    }
    await next();
  };
}
