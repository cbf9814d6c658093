import type { Hono } from "hono";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { validate } from "../middleware/validate";
import { resource } from "../resource";
import { ASSETS } from "./assets";
import { liveRoutes } from "./live";
import { shardRoutes } from "./shards";
import { dashboardShell, IMPORT_MAP } from "./shell";

export type { DashboardConfig } from "./config";
export type { ShardHeat } from "./shards";

const encoder = new TextEncoder();

/** CSP hash of the inline import map, the page's only inline script. */
async function importMapHash(): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(IMPORT_MAP));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/**
 * The page may load only its own files and talk only to its own origin: an injected string
 * (an alarm's description, a crash reason) can never run as script. uPlot sizes its canvas
 * with inline styles, hence `style-src 'unsafe-inline'`.
 */
async function securityHeaders(): Promise<Record<string, string>> {
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      `script-src 'self' ${await importMapHash()}`,
      "style-src 'self' 'unsafe-inline'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
}

/**
 * The operations dashboard: `GET /` redirects to `GET /dashboard` (the HTML shell, no auth:
 * it holds no data), its static files under `/dashboard/assets/`, and the admin endpoints
 * the page reads: `GET /v1/ops/live` (the live channel) and `GET /v1/ops/shards`.
 */
export function dashboardRoutes(app: Hono<AppEnv>): void {
  resource(app, "/", { GET: [validate({}), (c) => c.redirect("/dashboard", 302)] });
  resource(app, "/dashboard", {
    GET: [validate({}), async (c) => c.html(dashboardShell(), 200, await securityHeaders())],
  });
  resource(app, "/dashboard/assets/:file", {
    GET: [
      validate({}),
      (c) => {
        const file = c.req.param("file") ?? "";
        const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
        if (!asset) throw new Problem("not-found", `no dashboard asset ${c.req.param("file")}`);
        return c.body(asset.body, 200, {
          "Content-Type": asset.type,
          "Cache-Control": "no-cache",
          "X-Content-Type-Options": "nosniff",
        });
      },
    ],
  });
  shardRoutes(app);
  liveRoutes(app);
}
