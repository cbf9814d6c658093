import { DurableObject } from "cloudflare:workers";
import { logEvent } from "../../../core/log";
import { checkChildSpecs, type ResolvedChildSpec } from "../../../core/supervision";
import type { ExitReport } from "../actor";
import { rememberName } from "../object-name";
import { ChildPorts } from "./child-ports";
import type { StartOutcome, StartRequest, StopOutcome, StopRequest } from "./child-protocol";
import { childToStart, refuseUnlessDown } from "./child-requests";
import { ChildSupervision } from "./child-supervision";
import { activateChild, entityArgs, passivateChild } from "./entity-children";
import type { SupervisionEvent } from "./events";
import { resolveSupervisorSpec } from "./resolve";
import type {
  ChildCounts,
  ChildEntry,
  ChildSpec,
  ChildView,
  DynamicArgs,
  ResolvedSupervisorSpec,
  SupervisorError,
  SupervisorSpec,
  SupervisorView,
} from "./spec";
import { type ChildRow, SupervisorStore } from "./store";
import { childCounts, childPage, describeError, PAGE_MAX, supervisorView } from "./views";

/** A successful answer carries `ok: true`; a refusal is a `SupervisorError` (`{ error }`). */
export type SupervisorResult<T extends object = object> =
  | ({ readonly ok: true } & T)
  | SupervisorError;

interface TreeRpc {
  tree(): Promise<SupervisorView>;
}

/**
 * A supervisor with OTP's semantics, as a Durable Object (see the README's "Supervisor"
 * section for the whole contract). Every mutation — API calls, exit reports, the retry timer,
 * starts and terminations by its parent — runs one at a time, as an OTP supervisor handles one
 * message at a time; exits it reports to its own parent are sent after that section ends, so
 * a parent and a child never wait on each other.
 *
 * The spec comes from `configure(spec)` (stored) or, failing that, from `specFor(name)`,
 * which a subclass overrides to derive a static tree from configuration. It starts on first
 * use (any call) and stays started until it exits (intensity reached, automatic shutdown,
 * terminated by its parent); then its API answers `{ error: "stopped" }` until `start()`.
 */
export class Supervisor<E = unknown> extends DurableObject<E> {
  readonly #store: SupervisorStore;
  readonly #ports: ChildPorts;
  readonly #children: ChildSupervision;
  #queue: Promise<unknown> = Promise.resolve();
  #objectName: string | undefined;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    this.#store = new SupervisorStore(ctx.storage.sql);
    this.#ports = new ChildPorts(env, this.#name);
    this.#children = new ChildSupervision(this.#store, this.#ports, {
      name: this.#name,
      emit: (event) => this.#emit(event),
      scheduleRetry: () => this.ctx.storage.setAlarm(Date.now() + (this.#store.spec?.retryMs ?? 0)),
    });
  }

  /** The spec of supervisor `name` when none was configured; `null` if it is unknown. */
  protected specFor(_name: string): SupervisorSpec | null {
    return null;
  }

  /**
   * Observes supervision events (metrics, alarms, notifications). The default writes one
   * structured log line per event (`supervisor-restarted`, `supervisor-gave-up`, ...).
   */
  protected onEvent(event: SupervisionEvent): void | Promise<void> {
    const level = event.type === "gave-up" || event.type === "child-down" ? "warn" : "info";
    logEvent(level, `supervisor-${event.type}`, { ...event });
  }

  /** Its name, kept in its storage at once: a supervisor creates its tables up front too. */
  get #name(): string {
    this.#objectName ??= rememberName(this.ctx);
    return this.#objectName;
  }

  // ---- the child protocol (what a parent supervisor calls) ----

  /**
   * Starts this supervisor (OTP's `start_link`): from its spec, with a fresh restart window
   * and every child started in order. Already running: answers started, changes nothing.
   * Its parent calls it; an operator may too, to bring a stopped supervisor back.
   */
  async start(request?: StartRequest): Promise<StartOutcome> {
    return this.#serial(async () => {
      if (request) this.#store.generation = request.generation;
      if (this.#store.phase.phase === "running") return { ok: true, started: true };
      const failed = await this.#boot(false);
      return failed ? { ok: false, reason: describeError(failed) } : { ok: true, started: true };
    });
  }

  /** Terminated by its parent: every child is terminated (see Shutdown), then this stops. */
  async shutdown(request: StopRequest): Promise<StopOutcome> {
    return this.#serial(async () => {
      if (request.generation !== undefined && request.generation < this.#store.generation) {
        return "stale";
      }
      if (this.#store.phase.phase === "stopped") return "done";
      // Never started (service supervisors are taken over lazily): its children may still
      // run, so take them over first, as every other entry point does, and terminate them.
      if (this.#store.phase.phase === "unstarted") await this.#boot(true);
      const running = this.#store.phase.phase === "running";
      this.#store.phase = { phase: "stopped", reason: request.reason };
      if (running) await this.#children.terminateAll();
      return "done";
    });
  }

  /** A child exited (a crash, a deliberate exit, or a child supervisor that exited). */
  async childExited(report: ExitReport): Promise<void> {
    const exited = await this.#serial(async () => {
      if (this.#store.phase.phase === "unstarted") {
        if (await this.#boot(true)) return null;
      }
      if (this.#store.phase.phase !== "running") return null;
      return this.#children.onExit(report);
    });
    if (exited !== null) await this.#reportExit(exited);
  }

  /** The retry timer: a failed restart is tried again (and counted) here, never in a caller. */
  override async alarm(): Promise<void> {
    try {
      const exited = await this.#serial(async () =>
        this.#store.phase.phase === "running" ? this.#children.retry() : null,
      );
      if (exited !== null) await this.#reportExit(exited);
    } catch (error) {
      // Never into the platform's six alarm retries: log and try again on our own timer.
      logEvent("error", "supervisor-retry-crashed", {
        supervisor: this.#name,
        error: String(error),
      });
      await this.ctx.storage.setAlarm(Date.now() + 1000);
    }
  }

  // ---- configuration ----

  /**
   * Validates `spec`, stores it in place of the derived one, and (re)starts this supervisor
   * from it: running children are terminated first. Answers the view, or the spec error
   * (nothing changed) or the boot failure (`failed_to_start_child`; the supervisor is stopped).
   */
  async configure(spec: SupervisorSpec): Promise<SupervisorResult<{ view: SupervisorView }>> {
    const resolved = resolveSupervisorSpec(spec);
    if ("error" in resolved) return resolved;
    return this.#serial(async () => {
      if (this.#store.phase.phase === "running") await this.#children.terminateAll();
      this.#store.configured = true;
      const failed = await this.#children.boot(resolved, false);
      return failed ?? { ok: true as const, view: supervisorView(this.#name, this.#store) };
    });
  }

  // ---- OTP's API ----

  /**
   * Adds and starts a child: a child spec (`one_for_one`, `one_for_all`, `rest_for_one`), or
   * `{ name }` for a `simple_one_for_one` instance of the template. Answers `{ ok, id,
   * started }` (`started: false`: its start answered `ignore`; a static spec is kept, a
   * dynamic or temporary one is not). Errors: `already_started` (a running child has that id),
   * `already_present` (its spec is there but it does not run), `start_failed` (nothing kept),
   * a spec error, `invalid_args`, `stopped`.
   */
  async startChild(
    specOrArgs: ChildSpec | DynamicArgs,
  ): Promise<SupervisorResult<{ id: string; started: boolean }>> {
    return this.#call<{ id: string; started: boolean }>(async (spec) => {
      const child = childToStart(this.#store, spec, specOrArgs, (name) =>
        this.#children.instance(name),
      );
      if ("error" in child) return child;
      const simple = spec.flags.strategy === "simple_one_for_one";
      const started = await this.#children.startNew(child, simple);
      if (!started.ok) return { error: "start_failed", child: child.id, detail: started.reason };
      return { ok: true, id: child.id, started: started.started };
    });
  }

  /**
   * Terminates child `id` (see Shutdown: its `shutdown` budget, reason `shutdown`). Its spec is
   * kept (`down`) unless it is temporary or a `simple_one_for_one` instance. Terminating a
   * child that does not run just marks it `down`. Errors: `not_found`, `stopped`.
   */
  async terminateChild(id: string): Promise<SupervisorResult> {
    return this.#call<object>(async () => {
      const row = this.#store.get(id);
      if (!row) return { error: "not_found", child: id };
      await this.#children.terminate(row);
      return { ok: true };
    });
  }

  /**
   * Removes the spec of child `id`, which must not run. Errors: `running`, `restarting`,
   * `not_found`, `simple_one_for_one` (instances are removed by `terminateChild`), `stopped`.
   */
  async deleteChild(id: string): Promise<SupervisorResult> {
    return this.#call<object>(async (spec) => {
      const refused = refuseUnlessDown(this.#store, spec, id);
      if (refused) return refused;
      this.#store.remove(id);
      return { ok: true };
    });
  }

  /**
   * Starts child `id` again, whose spec is kept and which does not run. Answers `{ ok,
   * started }` (`started: false`: `ignore`). Errors: `running`, `restarting`, `not_found`,
   * `simple_one_for_one`, `start_failed` (the spec is kept), `stopped`.
   */
  async restartChild(id: string): Promise<SupervisorResult<{ started: boolean }>> {
    return this.#call<{ started: boolean }>(async (spec) => {
      const refused = refuseUnlessDown(this.#store, spec, id);
      if (refused) return refused;
      const row = this.#store.get(id) as ChildRow;
      const outcome = await this.#children.startRow(row);
      if (!outcome.ok) return { error: "start_failed", child: id, detail: outcome.reason };
      if (outcome.started)
        await this.#emit({ type: "child-up", supervisor: this.#name, child: id });
      return { ok: true, started: outcome.started };
    });
  }

  /**
   * One page of children in start order: `{ id, address, kind, status }`, status `running`,
   * `restarting` or `undefined` (OTP's "no process"). `limit` 1–1000 (default 100); pass the
   * answer's `next` as `after` for the next page (`null`: no more). Errors: `stopped`.
   * Reads, like every call, are answered between mutations (as OTP answers between
   * messages): never from a group restart half done.
   */
  async whichChildren(
    page: { after?: string | null; limit?: number } = {},
  ): Promise<SupervisorResult<{ children: ChildEntry[]; next: string | null }>> {
    return this.#call(async () => ({ ok: true, ...childPage(this.#store, page) }));
  }

  /**
   * OTP's `count_children`: `specs` (children, running or not; 1 — the template — for
   * `simple_one_for_one`), `active` (running), `supervisors` and `workers` (by kind,
   * running or not). Constant time: the counts are kept as children change. Errors: `stopped`.
   */
  async countChildren(): Promise<SupervisorResult<ChildCounts>> {
    return this.#call(async () => ({ ok: true, ...childCounts(this.#store) }));
  }

  /** The spec of child `id` with every default filled in. Errors: `not_found`, `stopped`. */
  async getChildSpec(id: string): Promise<SupervisorResult<{ spec: ResolvedChildSpec }>> {
    return this.#call(async () => {
      const row = this.#store.get(id);
      return row ? { ok: true, spec: row.spec } : { error: "not_found", child: id };
    });
  }

  /**
   * OTP's `check_childspecs`: whether `specs` are valid and their ids unique, under
   * `autoShutdown` (default: this supervisor's flag). Changes nothing; works when stopped.
   */
  async checkChildSpecs(
    specs: readonly ChildSpec[],
    autoShutdown = this.#store.spec?.flags.autoShutdown,
  ): Promise<SupervisorResult> {
    const checked = checkChildSpecs(specs, autoShutdown);
    return "error" in checked ? checked : { ok: true };
  }

  // ---- Bulwark's additions: entities (`runtime/entity/`) ----

  /**
   * An entity of this `simple_one_for_one` supervisor activated (its first message since it
   * was passive or stopped): it is listed as a running instance, without a start — it runs
   * already. Answers `{ ok }`; errors: `stopped` (the entity then refuses its messages),
   * `invalid_args` (no `childId`, or not a `simple_one_for_one` supervisor).
   */
  async childActivated(args: { childId: string }): Promise<SupervisorResult> {
    const childId = entityArgs(args);
    if (typeof childId !== "string") return childId;
    return this.#call<object>(async (spec) =>
      activateChild(this.#store, spec, childId, (name) => this.#children.instance(name)),
    );
  }

  /** An entity passivated (idle): its row is removed. Not an exit: nothing restarts or counts. */
  async childPassivated(args: { childId: string }): Promise<SupervisorResult> {
    const childId = entityArgs(args);
    if (typeof childId !== "string") return childId;
    return this.#call<object>(async () => {
      passivateChild(this.#store, childId);
      return { ok: true };
    });
  }

  // ---- Bulwark's additions: introspection and recovery ----

  /** This supervisor's flags, status, counts and children (one level, first 1000). */
  async view(): Promise<SupervisorView> {
    await this.#ready();
    return this.#serial(async () => supervisorView(this.#name, this.#store));
  }

  /** The whole subtree, nested supervisors included. */
  async tree(): Promise<SupervisorView> {
    const view = await this.view();
    const children = await Promise.all(
      view.children.map(async (child): Promise<ChildView> => {
        const row = child.kind === "supervisor" ? this.#store.get(child.id) : null;
        if (!row) return child;
        const supervisor = await this.#ports.supervisor<TreeRpc>(row.spec.address).tree();
        return { ...child, supervisor };
      }),
    );
    return { ...view, children };
  }

  /** Ids of child supervisors that are down (a service that fails fast until recovered). */
  async downChildren(): Promise<string[]> {
    if (await this.#ready()) return [];
    return this.#store
      .withStatus("down", PAGE_MAX)
      .filter((row) => row.spec.kind === "supervisor")
      .map((row) => row.id);
  }

  /**
   * Backoff-timed recovery (not in OTP): restarts child supervisors that have been down for
   * `recoveryMs` by `now`. Answers the ids it tried.
   */
  async tick(now = Date.now()): Promise<string[]> {
    if (await this.#ready()) return [];
    const recoveryMs = this.#store.spec?.recoveryMs ?? 0;
    if (recoveryMs <= 0) return [];
    const due = (await this.downChildren()).filter((id) => {
      const row = this.#store.get(id);
      return row !== null && (row.downSince ?? now) + recoveryMs <= now;
    });
    for (const id of due) await this.restartChild(id);
    return due;
  }

  // ---- internals ----

  /** Runs `work` after every earlier mutation finished. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Starts this supervisor on first use; answers `stopped` when it is not running. */
  async #ready(): Promise<SupervisorError | null> {
    if (this.#store.phase.phase === "unstarted") {
      await this.#serial(async () => {
        if (this.#store.phase.phase === "unstarted") await this.#boot(true);
      });
    }
    const phase = this.#store.phase;
    if (phase.phase === "running") return null;
    return { error: "stopped", detail: phase.phase === "stopped" ? phase.reason : undefined };
  }

  /** An API call: started, running, and serialized with every other mutation. */
  async #call<T extends object>(
    work: (spec: ResolvedSupervisorSpec) => Promise<SupervisorResult<T>>,
  ): Promise<SupervisorResult<T>> {
    const refused = await this.#ready();
    if (refused) return refused;
    return this.#serial(async () => {
      const spec = this.#store.spec;
      const phase = this.#store.phase;
      if (phase.phase !== "running" || !spec) {
        return { error: "stopped", detail: phase.phase === "stopped" ? phase.reason : undefined };
      }
      return work(spec);
    });
  }

  /** Starts from the configured spec, else the derived one; a bad spec leaves it stopped. */
  async #boot(adopt: boolean): Promise<SupervisorError | null> {
    const derived = this.#store.configured ? null : this.specFor(this.#name);
    const resolved = derived ? resolveSupervisorSpec(derived) : this.#store.spec;
    if (!resolved || "error" in resolved) {
      const error = resolved ?? { error: "invalid_supervisor_spec" as const, detail: "no spec" };
      this.#store.phase = { phase: "stopped", reason: describeError(error) };
      logEvent("error", "supervisor-spec-invalid", { supervisor: this.#name, ...error });
      return error;
    }
    return this.#children.boot(resolved, adopt);
  }

  async #reportExit(reason: string): Promise<void> {
    const parent = this.#store.spec?.parent;
    if (!parent) return;
    const report = {
      childId: parent.childId,
      reason,
      at: Date.now(),
      generation: this.#store.generation,
    };
    try {
      await this.#ports.parent(parent.address).childExited(report);
    } catch (error) {
      logEvent("error", "supervisor-report-failed", {
        supervisor: this.#name,
        error: String(error),
      });
    }
  }

  async #emit(event: SupervisionEvent): Promise<void> {
    try {
      await this.onEvent(event);
    } catch (error) {
      logEvent("error", "supervisor-event-hook-failed", {
        supervisor: this.#name,
        error: String(error),
      });
    }
  }
}
