/**
 * When a child is restarted after it exits:
 * - `permanent`: always.
 * - `transient`: only after an abnormal exit (any reason but `normal`, `shutdown` or
 *   `shutdown:<detail>`).
 * - `temporary`: never; its spec is removed when it exits.
 */
export type RestartType = "permanent" | "transient" | "temporary";

/** Every `RestartType`. */
export const RESTART_TYPES: readonly RestartType[] = ["permanent", "transient", "temporary"];

/**
 * Whether `reason` is a clean exit: `normal`, `shutdown`, or `shutdown:<detail>` (OTP's
 * `{shutdown, Term}`). Anything else is abnormal (a crash).
 */
export const isNormalExit = (reason: string): boolean =>
  reason === "normal" || reason === "shutdown" || reason.startsWith("shutdown:");

/**
 * The exit reason a crash reports: the thrown error's message, unless that message reads as
 * a clean exit (`throw new Error("normal")`), which is then marked `crash:` — a crash is
 * always abnormal, as OTP's `{Reason, Stack}` is, whatever its text.
 */
export function crashReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return isNormalExit(message) ? `crash: ${message}` : message;
}

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
