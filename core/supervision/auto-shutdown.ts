import type { AutoShutdown } from "./flags";

/**
 * Whether a supervisor shuts itself down after a `significant` child exited by itself and
 * was not restarted (OTP's automatic shutdown): with `any_significant` always, with
 * `all_significant` once no other significant child is still active (running or
 * restarting), with `never` not at all. Exits the supervisor caused (group restarts,
 * `terminateChild`) never count: the caller only asks about exits a child chose.
 */
export function shouldAutoShutdown(
  mode: AutoShutdown,
  exitedWasSignificant: boolean,
  otherSignificantActive: number,
): boolean {
  if (mode === "never" || !exitedWasSignificant) return false;
  if (mode === "any_significant") return true;
  return otherSignificantActive === 0;
}
