import type { Context } from "hono";
import { BackgroundCopy } from "../core/alarms";
import { logEvent } from "../core/log";
import { type AutomationState, alarmManager } from "../durable-objects";
import type { AppEnv } from "./context";

/** How stale the edge's copy of the automation state may get (per isolate). */
export const AUTOMATION_REFRESH_MS = 2000;

const copy = new BackgroundCopy<AutomationState>(
  { queueOrders: [], slowIntake: [] },
  AUTOMATION_REFRESH_MS,
);

/**
 * What alarm-driven automation asks of the edge, without a Durable Object round trip per
 * request: a per-isolate copy refreshed in the background (`waitUntil`) at most every
 * `AUTOMATION_REFRESH_MS`. A request reads the copy it finds; a fresh isolate starts with
 * "no automation" until its first refresh lands.
 */
export function automationState(c: Context<AppEnv>): AutomationState {
  const { value, refresh } = copy.read(
    () => alarmManager(c.env).automation(),
    (error) => logEvent("warn", "automation-refresh-failed", { error: String(error) }),
  );
  if (refresh) {
    try {
      c.executionCtx.waitUntil(refresh);
    } catch {
      // No execution context (direct app.fetch in a script): the refresh still runs.
    }
  }
  return value;
}

/** Orders that allow `respond-async` go to the queue while any service is under a sustained overload alarm. */
export const queueingOrders = (c: Context<AppEnv>): boolean =>
  automationState(c).queueOrders.length > 0;
