import { isNormalExit } from "../../../core/supervision";
import type { ChildCounts, ChildEntry, ChildView, SupervisorError, SupervisorView } from "./spec";
import type { ChildRow, SupervisorStore } from "./store";

/** How many children `view()` lists; page through the rest with `whichChildren`. */
export const VIEW_CHILD_LIMIT = 1000;
/** `whichChildren` page size: default and maximum. */
export const PAGE_DEFAULT = 100;
export const PAGE_MAX = 1000;

/** What `view()` answers: flags, phase, counts and the first `VIEW_CHILD_LIMIT` children. */
export function supervisorView(name: string, store: SupervisorStore): SupervisorView {
  const spec = store.spec;
  const phase = store.phase;
  return {
    id: name,
    strategy: spec?.flags.strategy ?? "one_for_one",
    intensity: spec?.flags.intensity ?? 0,
    periodMs: spec?.flags.periodMs ?? 0,
    autoShutdown: spec?.flags.autoShutdown ?? "never",
    status: phase.phase === "running" ? "running" : "stopped",
    reason: phase.phase === "stopped" ? phase.reason : null,
    counts: childCounts(store),
    children: store.page(0, VIEW_CHILD_LIMIT).map(childView),
  };
}

/** OTP's `count_children`, from the counters the store keeps (1 spec for the template). */
export function childCounts(store: SupervisorStore): ChildCounts {
  const { specs, active, supervisors, workers } = store.counts();
  const simple = store.spec?.flags.strategy === "simple_one_for_one";
  return { specs: simple ? 1 : specs, active, supervisors, workers };
}

/** One page of `whichChildren`: `after` is the previous page's `next` (a start-order cursor). */
export function childPage(
  store: SupervisorStore,
  page: { after?: string | null; limit?: number },
): { children: ChildEntry[]; next: string | null } {
  const limit = Math.min(Math.max(Math.trunc(page.limit ?? PAGE_DEFAULT), 1), PAGE_MAX);
  const after = Number(page.after ?? 0);
  const rows = store.page(Number.isSafeInteger(after) ? after : 0, limit);
  const children = rows.map((row) => ({
    id: row.id,
    address: row.spec.address,
    kind: row.spec.kind,
    status: row.status === "down" ? ("undefined" as const) : row.status,
  }));
  return { children, next: rows.length === limit ? String(rows.at(-1)?.seq) : null };
}

function childView(row: ChildRow): ChildView {
  return {
    id: row.id,
    kind: row.spec.kind,
    restart: row.spec.restart,
    status: row.status,
    restarts: row.restarts,
    lastCrash:
      row.lastReason !== null && row.lastAt !== null && !isNormalExit(row.lastReason)
        ? { reason: row.lastReason, at: new Date(row.lastAt).toISOString() }
        : null,
  };
}

/** An error as one line: `reason: child: field: detail`. */
export function describeError(error: SupervisorError): string {
  return [error.error, error.child, error.field, error.detail].filter((p) => p).join(": ");
}
