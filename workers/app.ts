import { Hono } from "hono";
import type { AppEnv } from "./context";
import { dashboardRoutes } from "./dashboard";
import { onError, Problem } from "./errors";
import { entry } from "./middleware/entry";
import { openApiRoutes } from "./openapi";
import { alarmRoutes } from "./routes/alarms";
import { healthRoutes } from "./routes/health";
import { opsRoutes } from "./routes/ops";
import { orderRoutes } from "./routes/orders";
import { placementRoutes } from "./routes/placement";
import { sessionRoutes } from "./routes/sessions";
import { skuRoutes } from "./routes/skus";
import { metricsRoutes } from "./visibility/metrics-route";

/**
 * The edge: stateless, one middleware order for every request — request id → deadline →
 * (per route) auth → content type and size → validation → rate limit → shard call — and
 * one error mapper that turns every failure into `application/problem+json`.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(entry());
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
  // Answered, not thrown: a throw here would pass through `entry` on its way to `onError`
  // and skip what `entry` does after the chain (X-Request-Id, metrics).
  app.notFound((c) => onError(new Problem("not-found", "no such route"), c));
  app.onError(onError);
  return app;
}

export const app = createApp();
