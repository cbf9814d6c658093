import type { RestartType, SupervisorFlags } from "../../../core/supervision";

/** Where a Durable Object lives: the binding of its namespace and its `idFromName` name. */
export interface ObjectAddress {
  readonly binding: string;
  readonly name: string;
}

/**
 * A child specification, as OTP's `child_spec()`:
 *
 * - `id` (required): the child's name within this supervisor; unique.
 * - `address` (required): the child's Durable Object.
 * - `kind` (optional, default `"actor"`): `"actor"` (an `Actor`, restarted by resetting its
 *   in-memory state) or `"supervisor"` (a nested supervisor, restarted with a fresh window).
 * - `restart` (optional, default `"permanent"`): `permanent` — always restarted; `transient` —
 *   restarted only after an abnormal exit (any reason but `normal` or `shutdown`);
 *   `temporary` — never restarted. A supervisor child that terminates and is not restarted
 *   is `down` until an explicit restart or the recovery backoff brings it back.
 */
export interface ChildSpec {
  readonly id: string;
  readonly address: ObjectAddress;
  readonly kind?: "actor" | "supervisor";
  readonly restart?: RestartType;
}

/**
 * A supervisor specification, as OTP's `init/1` answer:
 *
 * - `flags` (optional): `strategy` (default `one_for_one`), `intensity` (default 1),
 *   `periodMs` (default 5000). More than `intensity` restarts within `periodMs` and the
 *   supervisor gives up: it stops every child and escalates to its parent.
 * - `children` (required): child specs in start order (`rest_for_one` relies on it).
 * - `parent` (optional, default none): the supervisor to escalate to, and the child id it
 *   knows this one by. Without a parent, giving up leaves this supervisor stopped.
 * - `recoveryMs` (optional, default 0 = never): how long a `down` supervisor child stays down
 *   before `tick()` restarts it (backoff-timed recovery; the admin restart works at any time).
 */
export interface SupervisorSpec {
  readonly flags?: Partial<SupervisorFlags>;
  readonly children: readonly ChildSpec[];
  readonly parent?: { readonly address: ObjectAddress; readonly childId: string };
  readonly recoveryMs?: number;
}

/** A child's standing as its supervisor sees it. */
export type ChildStatus = "running" | "restarting" | "stopped" | "exited" | "down";

/** Introspection of one child: status, restarts so far, and the last abnormal exit. */
export interface ChildView {
  readonly id: string;
  readonly kind: "actor" | "supervisor";
  readonly restart: RestartType;
  readonly status: ChildStatus;
  readonly restarts: number;
  readonly lastCrash: { readonly reason: string; readonly at: string } | null;
  readonly supervisor?: SupervisorView;
}

/** Introspection of one supervisor: its flags, whether it gave up (and why), its children. */
export interface SupervisorView {
  readonly id: string;
  readonly strategy: SupervisorFlags["strategy"];
  readonly intensity: number;
  readonly periodMs: number;
  readonly status: "running" | "stopped";
  readonly reason: string | null;
  readonly children: readonly ChildView[];
}
