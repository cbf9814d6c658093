/**
 * When a child is restarted after it exits:
 * - `permanent`: always.
 * - `transient`: only after an abnormal exit (any reason but `normal` or `shutdown`).
 * - `temporary`: never.
 */
export type RestartType = "permanent" | "transient" | "temporary";

/** Exit reasons that mean the child stopped on purpose. */
const NORMAL_REASONS: ReadonlySet<string> = new Set(["normal", "shutdown"]);

/** Whether `reason` is a deliberate exit (`normal`, `shutdown`) rather than a crash. */
export const isNormalExit = (reason: string): boolean => NORMAL_REASONS.has(reason);

/** Whether a child of `type` that exited with `reason` should be restarted (see `RestartType`). */
export function shouldRestart(type: RestartType, reason: string): boolean {
  switch (type) {
    case "permanent":
      return true;
    case "transient":
      return !isNormalExit(reason);
    case "temporary":
      return false;
  }
}
