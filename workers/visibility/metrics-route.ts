import type { Hono } from "hono";
import { CONTENT_TYPES, negotiate, renderExposition } from "../../core/metrics";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { adminAuth } from "../middleware/admin-auth";
import { validate } from "../middleware/validate";
import { resource } from "../resource";
import { collectFamilies } from "./sources";

/**
 * `GET /metrics` (admin): the deployment's metrics in the Prometheus text format 0.0.4, or
 * OpenMetrics 1.0 when `Accept` asks for `application/openmetrics-text`.
 */
export function metricsRoutes(app: Hono<AppEnv>): void {
  resource(app, "/metrics", {
    GET: [
      adminAuth(),
      validate({}),
      async (c) => {
        const format = negotiate(c.req.header("Accept"));
        let families: Awaited<ReturnType<typeof collectFamilies>>;
        try {
          families = await collectFamilies(c.env);
        } catch (error) {
          throw new Problem(
            "service-unavailable",
            `the metrics monitor did not answer: ${error instanceof Error ? error.message : String(error)}`,
            5000,
          );
        }
        return c.body(renderExposition(families, format), 200, {
          "Content-Type": CONTENT_TYPES[format],
        });
      },
    ],
  });
}
