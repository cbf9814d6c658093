import type { Handler, Hono, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { Problem } from "./errors";

type Method = "GET" | "PUT" | "POST" | "DELETE";

/**
 * Declares one path with its methods. Unknown methods on a known path are a 405 problem with
 * an `Allow` header, answered before auth or validation (the contract's check order).
 */
export function resource(
  app: Hono<AppEnv>,
  path: string,
  methods: Partial<Record<Method, (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[]>>,
): void {
  const allowed = Object.keys(methods) as Method[];
  for (const method of allowed) {
    const handlers = (methods[method] ?? []) as MiddlewareHandler<AppEnv>[];
    app.on([method], [path], ...handlers);
  }
  const allow = allowed.includes("GET") ? [...allowed, "HEAD"] : allowed;
  app.all(path, (c) => {
    throw new Problem(
      "method-not-allowed",
      `${c.req.method} is not allowed on ${path}; use ${allow.join(", ")}`,
      undefined,
      { Allow: allow.join(", ") },
    );
  });
}
