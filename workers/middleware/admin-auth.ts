import type { MiddlewareHandler } from "hono";
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

/**
 * Admin endpoints need `Authorization: Bearer <ADMIN_TOKEN>`. With `ADMIN_TOKEN` unset (a
 * deployment that forgot the secret) every admin request is refused: fail closed.
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const expected = (c.env as { ADMIN_TOKEN?: string }).ADMIN_TOKEN;
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer ([\x21-\x7E]+)$/.exec(header);
    if (!expected || !match?.[1] || !(await sameSecret(match[1], expected))) {
      throw new Problem("unauthorized", "a valid admin bearer token is required");
    }
    c.set("admin", true);
    await next();
  };
}
