import type { Context, MiddlewareHandler } from "hono";
import { logEvent } from "../../core/log";
import type { ShardRouter } from "../../durable-objects";
import { ClientLeases, type LeaseOutcome } from "../../durable-objects/rate-limit/client-leases";
import { clientOf } from "../client";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { countShed, serviceOfRoute } from "../visibility/edge-metrics";
import { remainingBudget } from "./deadline";

/**
 * This isolate's token leases, one set per `env` (like `loadConfig`'s cache: one env object
 * per isolate in production; tests may pass others, with other limits or bindings). Module
 * scope on purpose: leases are worth something only if they outlive the request.
 */
const leasesByEnv = new WeakMap<object, ClientLeases>();

function leasesFor(env: object, router: ShardRouter): ClientLeases {
  let leases = leasesByEnv.get(env);
  if (leases === undefined) {
    // `router.rateLimiter` builds a fresh stub per call (never reuses one a reset broke).
    leases = new ClientLeases({
      limitPerMinute: router.config.rateLimitPerMinute,
      limiter: (client) => router.rateLimiter(client),
    });
    leasesByEnv.set(env, leases);
  }
  return leases;
}

/** `ctx.waitUntil` when the request has an execution context (tests may not). */
function deferrer(c: Context<AppEnv>): (work: Promise<void>) => void {
  return (work) => {
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // No execution context: the work still runs, nothing waits for it.
    }
  };
}

/**
 * Per-client rate limit on state-changing requests (`RATE_LIMIT_PER_MINUTE`, keyed by
 * `CF-Connecting-IP`), counted in the `ClientRateLimiter` object the client hashes to, so it
 * holds across edge isolates. Most requests spend a token this isolate leased beforehand and
 * pay no round trip (`ClientLeases`): they are answered synchronously and get `undefined`;
 * only a request that waits for the limiter gets a promise. Either way a refusal is a thrown
 * `429` problem. Admin requests are exempt: operators keep a reserved share. When the
 * limiter cannot be reached, or does not answer within `staleCallMs`, the request goes
 * through (fails open). A request that waits never waits past its deadline: then it is the
 * deadline stage's `503 deadline-exceeded`.
 */
export function spendClientToken(c: Context<AppEnv>): Promise<void> | undefined {
  if (c.get("admin")) return undefined;
  const client = clientOf(c);
  const router = c.get("router");
  const leases = leasesFor(c.env, router);
  const defer = deferrer(c);
  const now = leases.takeNow(client, defer);
  if (now !== null) return settle(c, client, now);
  const budgetMs = remainingBudget(c); // throws deadline-exceeded if it passed already
  const taking =
    budgetMs === undefined
      ? leases.take(client, defer)
      : beforeDeadline(c, budgetMs, (signal) => leases.take(client, defer, signal));
  return taking.then((taken) => settle(c, client, taken));
}

/**
 * `take(signal)`, or the deadline stage's `503 deadline-exceeded` if the deadline (`budgetMs`
 * from now) comes first. Then `signal` tells the take to spend nothing when the lease it
 * waited for arrives; the lease call itself goes on (it is shared with other requests, and
 * nobody waits for it past `staleCallMs`).
 */
function beforeDeadline(
  c: Context<AppEnv>,
  budgetMs: number,
  take: (signal: AbortSignal) => Promise<LeaseOutcome>,
): Promise<LeaseOutcome> {
  const expired = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      countShed(serviceOfRoute(c.req.routePath), "deadline-exceeded");
      const problem = new Problem(
        "deadline-exceeded",
        "the request's deadline passed while it waited for the rate limiter",
      );
      expired.abort(problem);
      reject(problem);
    }, budgetMs);
  });
  return Promise.race([take(expired.signal), deadline]).finally(() => clearTimeout(timer));
}

/** Lets the request through, or throws its `429` problem. */
function settle(c: Context<AppEnv>, client: string, taken: LeaseOutcome): undefined {
  if (!taken.ok) {
    countShed(serviceOfRoute(c.req.routePath), "rate-limited");
    throw new Problem(
      "rate-limited",
      `client ${client} is over its limit of ${c.get("router").config.rateLimitPerMinute} requests per minute`,
      taken.retryAfterMs,
    );
  }
  if (taken.via === "fail-open") {
    // The limiter protects the shards; it must not become their single point of failure.
    logEvent("warn", "rate-limiter-unavailable", {
      requestId: c.get("requestId"),
      client,
      error: taken.error,
    });
  }
  return undefined;
}

/** `spendClientToken` as middleware, for routes that are not a `serviceRoute`. */
export function clientRateLimit(): MiddlewareHandler<AppEnv> {
  return async function clientRateLimitMiddleware(c, next) {
    await spendClientToken(c);
    await next();
  };
}
