import type { Handler, Hono, MiddlewareHandler } from "hono";
import { EDGE, services } from "../durable-objects/services";
import type { AppEnv } from "./context";
import { Problem } from "./errors";
import { serviceRouteTarget } from "./service-route";

type Method = "GET" | "PUT" | "POST" | "DELETE";

/** Refuses a service route outside its service's declared `routePrefix`. */
function requireOwnPath(method: Method, path: string, handler: object): void {
  const service = serviceRouteTarget(handler);
  if (service === undefined) return;
  const owner = services.serviceOfRoute(path);
  if (owner === service) return;
  throw new Error(
    `${method} ${path} sends to service ${service} but lies outside its routePrefix ` +
      `"${services.get(service).routePrefix}" (its sheds would count as ${owner ?? EDGE}): ` +
      `move the route or change the declaration's routePrefix`,
  );
}

/**
 * Declares one path with its methods. Unknown methods on a known path are a 405 problem with
 * an `Allow` header, answered before auth or validation (the contract's check order). Throws
 * when a method's `serviceRoute` sends to a service whose `routePrefix` does not hold `path`:
 * the edge would count that route's sheds as another service's, or as `edge`.
 */
export function resource(
  app: Hono<AppEnv>,
  path: string,
  methods: Partial<Record<Method, (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[]>>,
): void {
  const allowed = Object.keys(methods) as Method[];
  for (const method of allowed) {
    const handlers = (methods[method] ?? []) as MiddlewareHandler<AppEnv>[];
    for (const handler of handlers) requireOwnPath(method, path, handler);
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
