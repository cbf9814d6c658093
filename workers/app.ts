import { Hono } from "hono";
import { ShardRouter } from "../durable-objects";
import type { AppEnv } from "./context";
import { dashboardRoutes } from "./dashboard";
import { onError, Problem } from "./errors";
import { deadline } from "./middleware/deadline";
import { requestId } from "./middleware/request-id";
import { openApiRoutes } from "./openapi";
import { alarmRoutes } from "./routes/alarms";
import { healthRoutes } from "./routes/health";
import { opsRoutes } from "./routes/ops";
import { orderRoutes } from "./routes/orders";
import { placementRoutes } from "./routes/placement";
import { sessionRoutes } from "./routes/sessions";
import { skuRoutes } from "./routes/skus";
import { httpMetrics } from "./visibility/http-metrics";
import { metricsRoutes } from "./visibility/metrics-route";

/**
 * The edge: stateless, one middleware order for every request — request id → deadline →
 * (per route) auth → content type and size → validation → rate limit → shard call — and
 * one error mapper that turns every failure into `application/problem+json`.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(httpMetrics(), requestId(), deadline(), async function shardRouter(c, next) {
    c.set("router", new ShardRouter(c.env));
    c.set("admin", false);
    await next();
  });
  healthRoutes(app);
  skuRoutes(app);
  placementRoutes(app);
  orderRoutes(app);
  sessionRoutes(app);
  opsRoutes(app);
  alarmRoutes(app);
  metricsRoutes(app);
  openApiRoutes(app);
  dashboardRoutes(app);
  app.notFound(() => {
    throw new Problem("not-found", "no such route");
  });
  app.onError(onError);
  return app;
}

export const app = createApp();
