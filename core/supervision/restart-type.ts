/**
 * When a child is restarted after it exits:
 * - `permanent`: always.
 * - `transient`: only after an abnormal exit (any reason but `normal` or `shutdown`).
 * - `temporary`: never.
 */
export type RestartType = "permanent" | "transient" | "temporary";

/** Exit reasons that mean the child stopped on purpose. */
const NORMAL_REASONS: ReadonlySet<string> = new Set(["normal", "shutdown"]);

/** Whether a child of `type` that exited with `reason` should be restarted (see `RestartType`). */
export function shouldRestart(type: RestartType, reason: string): boolean {
  switch (type) {
    case "permanent":
      return true;
    case "transient":
      return !NORMAL_REASONS.has(reason);
    case "temporary":
      return false;
  }
}
