import { integer } from "../../core/config";

/** The dashboard's settings, from `wrangler.toml` vars; validated when a stream opens. */
export interface DashboardConfig {
  /** How often the live stream samples the deployment (`DASHBOARD_TICK_MS`, default 1000). */
  readonly tickMs: number;
  /**
   * How long one live stream stays open before the server ends it and the page reconnects
   * (`DASHBOARD_STREAM_MAX_MS`, default 300000): bounds what a forgotten tab holds open.
   */
  readonly streamMaxMs: number;
}

/** Reads and checks the dashboard vars; a bad value throws naming the field and its limits. */
export function dashboardConfig(vars: Record<string, unknown>): DashboardConfig {
  return {
    tickMs: integer(vars, "DASHBOARD_TICK_MS", 1000, 100, 10_000),
    streamMaxMs: integer(vars, "DASHBOARD_STREAM_MAX_MS", 300_000, 1000, 3_600_000),
  };
}
