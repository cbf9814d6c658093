import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { skuParam } from "../../core/http";
import { services } from "../../durable-objects/services";
import { createApp } from "../../workers/app";
import type { AppEnv } from "../../workers/context";
import { resource } from "../../workers/resource";
import { serviceRoute, serviceRouteTarget } from "../../workers/service-route";
import { serviceOfRoute } from "../../workers/visibility/edge-metrics";

/** Every route pattern of the app with the services its `serviceRoute`s send to. */
function appRoutes(): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  for (const { path, handler } of createApp().routes) {
    const targets = routes.get(path) ?? new Set<string>();
    const target = serviceRouteTarget(handler);
    if (target !== undefined) targets.add(target);
    routes.set(path, targets);
  }
  return routes;
}

describe("the service label of what the edge sheds (serviceOfRoute)", () => {
  it("labels the routes each declared service's serviceRoutes serve with that service", () => {
    const labelled = new Set<string>();
    for (const [path, targets] of appRoutes()) {
      for (const service of targets) {
        expect({ path, label: serviceOfRoute(path) }).toEqual({ path, label: service });
        labelled.add(service);
      }
    }
    // Every service of the registry has routes in the app, so none went unchecked.
    expect([...labelled].sort()).toEqual([...services.names].sort());
  });

  it("keeps the labels of hand-written routes (no serviceRoute) and of routes of no service", () => {
    // The metrics contract: these labels were the same before they came from the declarations.
    expect(serviceOfRoute("/v1/orders")).toBe("orders");
    expect(serviceOfRoute("/v1/sessions/:userId/presence")).toBe("sessions");
    expect(serviceOfRoute("/v1/skus/:sku/events")).toBe("inventory");
    for (const path of ["/v1/ops/faults", "/v1/ops/supervision/:service/restart", "/metrics"]) {
      expect(serviceOfRoute(path)).toBe("edge");
    }
    expect(serviceOfRoute("/*")).toBe("edge");
  });

  it("refuses, when the route is declared, a service route outside its service's routePrefix", () => {
    const app = new Hono<AppEnv>();
    const getSku = serviceRoute({
      service: "inventory",
      command: "getSku",
      kind: "read",
      params: { sku: skuParam },
      key: ({ params }) => params.sku,
      payload: ({ params }) => ({ sku: params.sku }),
    });
    expect(() => resource(app, "/v1/stock/:sku", { GET: getSku })).toThrow(
      'GET /v1/stock/:sku sends to service inventory but lies outside its routePrefix "/v1/skus" (its sheds would count as edge)',
    );
    expect(() => resource(app, "/v1/orders/:sku/stock", { GET: getSku })).toThrow(
      "(its sheds would count as orders)",
    );
    expect(() => resource(app, "/v1/skus/:sku/stock", { GET: getSku })).not.toThrow();
  });
});
