import type { Context, MiddlewareHandler } from "hono";
import { logEvent } from "../../core/log";
import { ADMIN_AUTH_GUARD, type GuardVerdict } from "../../durable-objects/admin-auth";
import { clientOf } from "../client";
import type { AppEnv } from "../context";
import { Problem } from "../errors";

const encoder = new TextEncoder();

/** Compares in constant time: both sides are hashed first, so lengths never leak either. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

const guard = (c: Context<AppEnv>) =>
  c.env.ADMIN_AUTH.get(c.env.ADMIN_AUTH.idFromName(ADMIN_AUTH_GUARD));

/** Most blocks one isolate remembers; past it the oldest go (the guard still refuses them). */
export const KNOWN_BLOCKS_MAX = 10_000;

/**
 * Blocks this isolate already heard of (client → blocked until): refused without a round
 * trip until they end. Bounded by `KNOWN_BLOCKS_MAX`, so many clients cannot grow it forever.
 */
const knownBlocks = new Map<string, number>();

/** The remembered blocks, for tests: read-only. */
export const rememberedBlocks: ReadonlyMap<string, number> = knownBlocks;

/** Remembers `client` blocked until `until`; drops expired entries, then the oldest past the cap. */
export function rememberBlock(client: string, until: number, now: number): void {
  for (const [known, end] of knownBlocks) if (end <= now) knownBlocks.delete(known);
  knownBlocks.delete(client);
  knownBlocks.set(client, until);
  for (const oldest of knownBlocks.keys()) {
    if (knownBlocks.size <= KNOWN_BLOCKS_MAX) break;
    knownBlocks.delete(oldest);
  }
}

function throttled(client: string, retryAfterMs: number): Problem {
  return new Problem(
    "rate-limited",
    `too many failed admin authentications from ${client}; try again later`,
    retryAfterMs,
  );
}

/**
 * Asks the guard; if it cannot answer, authentication still decides (the token check is the
 * protection, the throttle only bounds guessing), and the outage is logged.
 */
async function ask<T>(c: Context<AppEnv>, call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    logEvent("error", "admin-auth-guard-unavailable", {
      requestId: c.get("requestId"),
      reason: String(error),
    });
    return null;
  }
}

function refuseIfBlocked(client: string, verdict: GuardVerdict | null, now: number): void {
  if (!verdict?.blocked) return;
  rememberBlock(client, now + verdict.retryAfterMs, now);
  throw throttled(client, verdict.retryAfterMs);
}

/**
 * Admin endpoints need `Authorization: Bearer <ADMIN_TOKEN>`. With `ADMIN_TOKEN` unset (a
 * deployment that forgot the secret) every admin request is refused: fail closed.
 *
 * Failures are counted per client (`CF-Connecting-IP`; an IPv6 client by its /64, see
 * `clientKey`) by the deployment's `AdminAuthGuard`;
 * after `ADMIN_AUTH_MAX_FAILURES` (default 5) in `ADMIN_AUTH_WINDOW_MS` (default 60 s) the
 * client gets `429 rate-limited` + `Retry-After` until its window ends — with the right token
 * too, or the throttle would reveal which guess was right. That is why a successful request
 * also asks the guard (one RPC): exact across isolates beats saving it. Each failure is
 * logged (`admin-auth-failed`, `admin-auth-throttled`).
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const client = clientOf(c);
    const now = Date.now();
    const blockedUntil = knownBlocks.get(client);
    if (blockedUntil !== undefined && blockedUntil > now)
      throw throttled(client, blockedUntil - now);
    if (blockedUntil !== undefined) knownBlocks.delete(client);

    const expected = (c.env as { ADMIN_TOKEN?: string }).ADMIN_TOKEN;
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer ([\x21-\x7E]+)$/.exec(header);
    if (expected && match?.[1] && (await sameSecret(match[1], expected))) {
      refuseIfBlocked(client, await ask(c, () => guard(c).check(client)), now);
      c.set("admin", true);
      return next();
    }
    const record = await ask(c, () => guard(c).recordFailure(client));
    const fields = { requestId: c.get("requestId"), client, failures: record?.failures ?? null };
    if (record?.blocked) logEvent("warn", "admin-auth-throttled", fields);
    else logEvent("warn", "admin-auth-failed", fields);
    refuseIfBlocked(client, record, now);
    throw new Problem("unauthorized", "a valid admin bearer token is required");
  };
}
