import type { MiddlewareHandler } from "hono";
import { ShardRouter } from "../../durable-objects";
import type { MetricsReporter } from "../../durable-objects/visibility/metrics/reporter";
import type { AppEnv } from "../context";
import { onError } from "../errors";
import { edgeReporter } from "../visibility/edge-metrics";
import { recordHttpRequest } from "../visibility/http-metrics";
import { deadlineOf } from "./deadline";
import { requestIdOf, stampRequestId } from "./request-id";

/**
 * The layer every request passes first: it notes the arrival time, the request id, the
 * client's deadline and the shard router; after the chain it stamps `X-Request-Id` and
 * counts the request's metrics. Outermost, so error answers (from `onError`) get both,
 * its own failures included.
 * One layer rather than one per concern: every layer of Hono's chain costs each request a
 * frame and a promise, and this is the path of every request.
 */
export function entry(): MiddlewareHandler<AppEnv> {
  return async function entryMiddleware(c, next) {
    const startedAt = Date.now();
    const id = requestIdOf(c);
    c.set("requestId", id);
    c.set("deadline", deadlineOf(c));
    c.set("admin", false);
    let reporter: MetricsReporter | null = null;
    try {
      // Configured before the chain: its shed counts need it, and a bad config is refused
      // before any route runs.
      reporter = edgeReporter(c.env);
      c.set("router", new ShardRouter(c.env));
      await next();
    } catch (error) {
      // Inner layers' errors are answered where they are thrown; what reaches this layer
      // (a deployment whose configuration does not load) is answered here, stamp included.
      c.res = onError(error instanceof Error ? error : new Error(String(error)), c);
    }
    stampRequestId(c, id);
    if (reporter) recordHttpRequest(c, reporter, startedAt);
  };
}
