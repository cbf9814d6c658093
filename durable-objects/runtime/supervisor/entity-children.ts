import type { ResolvedChildSpec } from "../../../core/supervision";
import { UNKNOWN_GENERATION } from "./child-protocol";
import type { ResolvedSupervisorSpec, SupervisorError } from "./spec";
import type { SupervisorStore } from "./store";

/**
 * Entities (actors placed one per key, `runtime/entity/`) start by themselves on their first
 * message and passivate when idle, so a `simple_one_for_one` supervisor lists only the active
 * ones: an activation adds one row, a passivation removes it, each one indexed write — the
 * cost of either is the same with ten active entities or a million passive ones.
 */

/** Checks the arguments of `childActivated` / `childPassivated`. */
export function entityArgs(args: unknown): string | SupervisorError {
  const childId = (args as { childId?: unknown } | null)?.childId;
  if (typeof childId === "string" && childId.length > 0) return childId;
  return { error: "invalid_args", detail: "an entity reports { childId } (its object name)" };
}

/**
 * Lists `childId` as a running instance of the template, without starting it (it runs
 * already), as the lazy start takes children over. Its generation is unknown, so every exit
 * report of it counts. Already running: nothing changes.
 */
export function activateChild(
  store: SupervisorStore,
  spec: ResolvedSupervisorSpec,
  childId: string,
  instance: (name: string) => ResolvedChildSpec,
): { ok: true } | SupervisorError {
  if (spec.flags.strategy !== "simple_one_for_one") {
    return { error: "invalid_args", child: childId, detail: "entities need simple_one_for_one" };
  }
  const row = store.get(childId);
  if (row?.status === "running") return { ok: true };
  const running = { status: "running", generation: UNKNOWN_GENERATION, downSince: null } as const;
  if (row) store.update(childId, running);
  else {
    store.insert({
      ...running,
      id: childId,
      spec: instance(childId),
      dynamic: true,
      restarts: 0,
      lastReason: null,
      lastAt: null,
    });
  }
  return { ok: true };
}

/** Removes a passivated entity's row: no stop, no restart, no event (it is not an exit). */
export function passivateChild(store: SupervisorStore, childId: string): void {
  if (store.get(childId)?.dynamic) store.remove(childId);
}
