import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";

const VALID = /^[\x21-\x7E]{1,200}$/;

/**
 * Every response carries `X-Request-Id`: the client's, if it sent a sane one, else a new
 * UUID. Set after the chain runs, so error answers carry it too.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const sent = c.req.header("X-Request-Id");
    const id = sent !== undefined && VALID.test(sent) ? sent : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    if (c.res.status === 101) {
      // WebSocket handshakes from a Durable Object have immutable headers: rebuild.
      const headers = new Headers(c.res.headers);
      headers.set("X-Request-Id", id);
      c.res = new Response(null, { status: 101, headers, webSocket: c.res.webSocket });
    } else {
      c.res.headers.set("X-Request-Id", id);
    }
  };
}
