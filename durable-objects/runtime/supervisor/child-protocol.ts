import type { Shutdown } from "../../../core/supervision";
import { within } from "../../../core/time";

/**
 * The protocol between a supervisor and its children, actors and supervisors alike: the
 * supervisor starts a child (OTP's start function) and terminates it (OTP's shutdown), and
 * the child reports its exits (`ExitReport`, see actor.ts).
 */

/** The generation of a child taken over without a start: any exit report of it counts. */
export const UNKNOWN_GENERATION = -1;

/** A start by the supervisor: `generation` numbers the child's starts, so stale stops fail. */
export interface StartRequest {
  readonly generation: number;
}

/**
 * What a start answers: started, `ignore`d (the start hook declined: not running, no error),
 * or failed with a reason. Never thrown: errors lose their shape across RPC.
 */
export type StartOutcome =
  | { readonly ok: true; readonly started: boolean }
  | { readonly ok: false; readonly reason: string };

/** A termination by the supervisor: the reason the child's stop hook sees, and its budget. */
export interface StopRequest {
  readonly reason: string;
  readonly generation?: number;
  readonly shutdown: Shutdown;
}

/**
 * How a termination went: the stop hook finished (`done`), overran its budget (`timeout`),
 * threw (`failed`), was skipped (`brutal_kill`, `skipped`), or the request was `stale` (the
 * child was started again since). In every case but `stale` the child is stopped.
 */
export type StopOutcome = "done" | "timeout" | "failed" | "skipped" | "stale";

/** What a supervisor calls on a child. */
export interface ChildRpc {
  start(request: StartRequest): Promise<StartOutcome>;
  shutdown(request: StopRequest): Promise<StopOutcome>;
}

/** A stop hook's wait, as the termination reports it. */
const BUDGET_OUTCOME = { value: "done", error: "failed", timeout: "timeout" } as const;

/**
 * Runs `work` for at most `shutdown` ms (`infinity`: no limit) and answers how it ended:
 * `done` in time, `failed` (its promise rejected), or `timeout`. The work is not cancelled
 * when the budget runs out — nothing can cancel it — it just stops being waited for.
 */
export async function withinBudget(
  work: () => Promise<unknown>,
  shutdown: number | "infinity",
): Promise<"done" | "timeout" | "failed"> {
  const budget = shutdown === "infinity" ? Number.POSITIVE_INFINITY : shutdown;
  return BUDGET_OUTCOME[(await within(work(), budget)).ended];
}
