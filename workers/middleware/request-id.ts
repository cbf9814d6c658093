import type { Context } from "hono";
import type { AppEnv } from "../context";

const VALID = /^[\x21-\x7E]{1,200}$/;

/** The request's id: the client's `X-Request-Id`, if it sent a sane one, else a new UUID. */
export function requestIdOf(c: Context<AppEnv>): string {
  const sent = c.req.raw.headers.get("X-Request-Id");
  return sent !== null && VALID.test(sent) ? sent : crypto.randomUUID();
}

/**
 * Every response carries `X-Request-Id`: stamped after the chain ran (see `entry`), so error
 * answers carry it too.
 */
export function stampRequestId(c: Context<AppEnv>, id: string): void {
  if (c.res.status === 101) {
    // WebSocket handshakes from a Durable Object have immutable headers: rebuild.
    const headers = new Headers(c.res.headers);
    headers.set("X-Request-Id", id);
    c.res = new Response(null, { status: 101, headers, webSocket: c.res.webSocket });
  } else {
    c.res.headers.set("X-Request-Id", id);
  }
}
