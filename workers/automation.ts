import type { Context } from "hono";
import { logEvent } from "../core/log";
import { type AutomationState, alarmManager } from "../durable-objects";
import type { AppEnv } from "./context";

/** How stale the edge's copy of the automation state may get (per isolate). */
export const AUTOMATION_REFRESH_MS = 2000;

let state: AutomationState = { queueOrders: [], slowIntake: [] };
let fetchedAt = Number.NEGATIVE_INFINITY;
let refreshing = false;

/**
 * What alarm-driven automation asks of the edge, without a Durable Object round trip per
 * request: a per-isolate copy refreshed in the background (`waitUntil`) at most every
 * `AUTOMATION_REFRESH_MS`. A request reads the copy it finds; a fresh isolate starts with
 * "no automation" until its first refresh lands.
 */
export function automationState(c: Context<AppEnv>): AutomationState {
  const now = Date.now();
  if (!refreshing && now - fetchedAt >= AUTOMATION_REFRESH_MS) {
    refreshing = true;
    fetchedAt = now;
    const refresh = alarmManager(c.env)
      .automation()
      .then((next) => {
        state = next;
      })
      .catch((error: Error) =>
        logEvent("warn", "automation-refresh-failed", { error: error.message }),
      )
      .finally(() => {
        refreshing = false;
      });
    try {
      c.executionCtx.waitUntil(refresh);
    } catch {
      // No execution context (direct app.fetch in a script): the refresh still runs.
    }
  }
  return state;
}

/** Orders that allow `respond-async` go to the queue while any service is under a sustained overload alarm. */
export const queueingOrders = (c: Context<AppEnv>): boolean =>
  automationState(c).queueOrders.length > 0;
