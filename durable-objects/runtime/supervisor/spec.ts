import type {
  ChildAddress,
  ChildKind,
  ChildSpecInput,
  ResolvedChildSpec,
  RestartType,
  SupervisorFlags,
} from "../../../core/supervision";

/** Where a Durable Object lives: the binding of its namespace and its `idFromName` name. */
export type ObjectAddress = ChildAddress;

/**
 * A child specification, as OTP's `child_spec()` (validated by `resolveSpec`, which applies
 * every default in one place):
 *
 * - `id` (required): the child's name within this supervisor; unique.
 * - `address` (required): the child's Durable Object (`binding` and `name`).
 * - `restart` (optional, default `permanent`): `permanent` — always restarted; `transient` —
 *   restarted only after an abnormal exit; `temporary` — never restarted, its spec removed
 *   when it exits or is terminated.
 * - `kind` (optional, default `actor`): `actor` (OTP's `worker`) or `supervisor`.
 * - `shutdown` (optional, default 5000 for actors, `infinity` for supervisors): ms the
 *   child's stop hook may take when it is terminated, `infinity`, or `brutal_kill` (no hook).
 * - `significant` (optional, default false): counts for `autoShutdown`; only for
 *   `transient`/`temporary` children, and only when `autoShutdown` is not `never`.
 */
export type ChildSpec = ChildSpecInput;

/** The arguments of a `simple_one_for_one` instance: the object name of the new child. */
export interface DynamicArgs {
  readonly name: string;
}

/**
 * A supervisor specification, as OTP's `init/1` answer:
 *
 * - `flags` (optional): `strategy` (default `one_for_one`), `intensity` (default 1),
 *   `periodMs` (default 5000), `autoShutdown` (default `never`).
 * - `children` (required): child specs in start order; for `simple_one_for_one` exactly one,
 *   the template (its `address.name` is ignored: each instance brings its own).
 * - `dynamicChildren` (optional, default none; `simple_one_for_one` only): instances started
 *   with `startChild` right after the supervisor starts, in order (what an OTP application's
 *   start code does after starting a `simple_one_for_one` supervisor).
 * - `parent` (optional, default none): the supervisor to report this one's exits to, and the
 *   child id it knows this one by.
 * - `recoveryMs` (optional, default 0 = never): how long a child supervisor that is down stays
 *   down before `tick()` restarts it (Bulwark's backoff-timed recovery, not in OTP).
 * - `retryMs` (optional, default 0): delay before a failed restart is tried again.
 */
export interface SupervisorSpec {
  readonly flags?: Partial<SupervisorFlags>;
  readonly children: readonly ChildSpec[];
  readonly dynamicChildren?: readonly DynamicArgs[];
  readonly parent?: { readonly address: ObjectAddress; readonly childId: string };
  readonly recoveryMs?: number;
  readonly retryMs?: number;
}

/** A spec after validation: flags and child specs with every default applied. */
export interface ResolvedSupervisorSpec {
  readonly flags: SupervisorFlags;
  readonly children: readonly ResolvedChildSpec[];
  readonly dynamicChildren: readonly DynamicArgs[];
  readonly parent: SupervisorSpec["parent"] | null;
  readonly recoveryMs: number;
  readonly retryMs: number;
}

/**
 * A child's standing: `running`; `restarting` (a failed restart will be retried); `down`
 * (its spec is kept but nothing runs: exited and not restarted, terminated, or `ignore`d).
 */
export type ChildStatus = "running" | "restarting" | "down";

/** An OTP error reason. Spec errors also name the child and the field. */
export type SupervisorErrorReason =
  | "already_present"
  | "already_started"
  | "running"
  | "restarting"
  | "not_found"
  | "stopped"
  | "simple_one_for_one"
  | "start_failed"
  | "failed_to_start_child"
  | "invalid_flags"
  | "invalid_supervisor_spec"
  | "invalid_child_spec"
  | "duplicate_child_id"
  | "invalid_args";

/** A refusal, as a value (OTP's `{error, Reason}`): nothing was changed. */
export interface SupervisorError {
  readonly error: SupervisorErrorReason;
  readonly child?: string | null;
  readonly field?: string;
  readonly detail?: string;
}

/** One child as `whichChildren` lists it; `status` `undefined` is OTP's "no process". */
export interface ChildEntry {
  readonly id: string;
  readonly address: ObjectAddress;
  readonly kind: ChildKind;
  readonly status: "running" | "restarting" | "undefined";
}

/** OTP's `count_children`. */
export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

/** Introspection of one child: status, restarts so far, and the last abnormal exit. */
export interface ChildView {
  readonly id: string;
  readonly kind: ChildKind;
  readonly restart: RestartType;
  readonly status: ChildStatus;
  readonly restarts: number;
  readonly lastCrash: { readonly reason: string; readonly at: string } | null;
  readonly supervisor?: SupervisorView;
}

/**
 * Introspection of one supervisor: its flags, whether it runs (and why it stopped), its
 * counts and its children (the first `VIEW_CHILD_LIMIT` in start order; page the rest with
 * `whichChildren`).
 */
export interface SupervisorView {
  readonly id: string;
  readonly strategy: SupervisorFlags["strategy"];
  readonly intensity: number;
  readonly periodMs: number;
  readonly autoShutdown: SupervisorFlags["autoShutdown"];
  readonly status: "running" | "stopped";
  readonly reason: string | null;
  readonly counts: ChildCounts;
  readonly children: readonly ChildView[];
}
