import type { Hono } from "hono";
import { ROOT } from "../../durable-objects";
import { notifyConfig } from "../../durable-objects/visibility/alarms";
import type { AppEnv } from "../context";
import { validate } from "../middleware/validate";
import { resource } from "../resource";

/** `/healthz` (the edge is alive; touches no object) and `/readyz` (no service is down). */
export function healthRoutes(app: Hono<AppEnv>): void {
  resource(app, "/healthz", { GET: [validate({}), (c) => c.json({ status: "ok" })] });
  resource(app, "/readyz", {
    GET: [
      validate({}),
      async (c) => {
        const root = c.env.SUPERVISOR.get(c.env.SUPERVISOR.idFromName(ROOT));
        let reasons: string[];
        try {
          reasons = (await root.downChildren()).map(
            (service) => `${service} is down: its supervisor reached max restart intensity`,
          );
        } catch (error) {
          reasons = [`the root supervisor did not answer: ${(error as Error).message}`];
        }
        // A malformed webhook secret is a configuration error, never an unsigned send.
        const notify = notifyConfig(c.env);
        if (notify.state === "invalid")
          reasons.push(`notifications are misconfigured: ${notify.error}`);
        return reasons.length === 0
          ? c.json({ status: "ready" })
          : c.json({ status: "degraded", reasons }, 503);
      },
    ],
  });
}
