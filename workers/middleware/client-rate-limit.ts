import type { MiddlewareHandler } from "hono";
import { logEvent } from "../../core/log";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { countShed, serviceOfRoute } from "../visibility/edge-metrics";

/**
 * Per-client rate limit on state-changing requests (`RATE_LIMIT_PER_MINUTE`, keyed by
 * `CF-Connecting-IP`), counted in the `ClientRateLimiter` object the client hashes to, so it
 * holds across edge isolates. Admin requests are exempt: operators keep a reserved share.
 */
export function clientRateLimit(): MiddlewareHandler<AppEnv> {
  return async function clientRateLimitMiddleware(c, next) {
    if (c.get("admin")) return next();
    const client = c.req.header("CF-Connecting-IP") ?? "unknown";
    const router = c.get("router");
    let taken: Awaited<ReturnType<ReturnType<typeof router.rateLimiter>["take"]>>;
    try {
      taken = await router.rateLimiter(client).take(client, router.config.rateLimitPerMinute);
    } catch (error) {
      // The limiter protects the shards; it must not become their single point of failure.
      logEvent("warn", "rate-limiter-unavailable", {
        requestId: c.get("requestId"),
        error: String(error),
      });
      return next();
    }
    if (!taken.ok) {
      countShed(serviceOfRoute(c.req.routePath), "rate-limited");
      throw new Problem(
        "rate-limited",
        `client ${client} is over its limit of ${router.config.rateLimitPerMinute} requests per minute`,
        taken.retryAfterMs,
      );
    }
    await next();
  };
}
