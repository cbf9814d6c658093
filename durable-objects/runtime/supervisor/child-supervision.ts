import { logEvent } from "../../../core/log";
import {
  affectedChildren,
  isNormalExit,
  type ResolvedChildSpec,
  recordRestart,
  type SupervisorFlags,
  shouldAutoShutdown,
  shouldRestart,
} from "../../../core/supervision";
import type { ExitReport } from "../actor";
import type { ChildPorts } from "./child-ports";
import { type StartOutcome, UNKNOWN_GENERATION } from "./child-protocol";
import { MAX_INTENSITY, type SupervisionEvent } from "./events";
import type { ResolvedSupervisorSpec, SupervisorError } from "./spec";
import type { ChildRow, SupervisorStore } from "./store";

/** How many dynamic children are terminated at once when a supervisor shuts down. */
const DYNAMIC_SHUTDOWN_BATCH = 100;

/** What the Durable Object around this gives it: its name, events and the retry timer. */
export interface SupervisionHost {
  readonly name: string;
  emit(event: SupervisionEvent): Promise<void>;
  scheduleRetry(): Promise<void>;
}

/** A start of a new child: started (row kept), ignored (row kept unless dynamic/temporary), failed. */
export type NewChild =
  | { readonly ok: true; readonly row: ChildRow | null; readonly started: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * OTP's supervisor algorithm over the stored children: starting, terminating, reacting to
 * exits by restart type and strategy, counting restarts, retrying failed restarts, giving
 * up. Every method runs inside the supervisor's serial section (one at a time, as an OTP
 * supervisor handles one message at a time). A method that ends with this supervisor
 * exiting answers the exit reason to report to its parent (`shutdown`), else `null`.
 */
export class ChildSupervision {
  readonly #store: SupervisorStore;
  readonly #ports: ChildPorts;
  readonly #host: SupervisionHost;

  constructor(store: SupervisorStore, ports: ChildPorts, host: SupervisionHost) {
    this.#store = store;
    this.#ports = ports;
    this.#host = host;
  }

  get #spec(): ResolvedSupervisorSpec {
    const spec = this.#store.spec;
    if (!spec) throw new Error(`supervisor ${this.#host.name} has no spec`);
    return spec;
  }

  get #flags(): SupervisorFlags {
    return this.#spec.flags;
  }

  /**
   * Starts the supervisor from `spec`: every static child in order, then the initial dynamic
   * ones. If one fails, those already started are terminated in reverse order and the start
   * fails naming the child and the reason (OTP's `failed_to_start_child`).
   *
   * With `adopt` (a supervisor nobody started, woken up by its first use) the children are
   * taken over as running instead: a Durable Object starts by itself on its first message,
   * so they may well be running already, and starting each one would make a supervisor's
   * first use — often a child's crash report — wait for all of them.
   */
  async boot(spec: ResolvedSupervisorSpec, adopt: boolean): Promise<SupervisorError | null> {
    this.#store.clearChildren();
    this.#store.history = [];
    this.#store.spec = spec;
    this.#store.phase = { phase: "running" };
    const simple = spec.flags.strategy === "simple_one_for_one";
    const starts: ResolvedChildSpec[] = simple
      ? spec.dynamicChildren.map((args) => this.instance(args.name))
      : [...spec.children];
    for (const child of starts) {
      if (adopt) {
        this.#adopt(child, simple);
        continue;
      }
      const started = this.#store.get(child.id)
        ? ({ ok: false, reason: "already_started" } as const)
        : await this.startNew(child, simple);
      if (!started.ok) {
        await this.terminateAll();
        const detail = `${child.id}: ${started.reason}`;
        this.#store.phase = { phase: "stopped", reason: `failed_to_start_child: ${detail}` };
        return { error: "failed_to_start_child", child: child.id, detail: started.reason };
      }
    }
    return null;
  }

  /** Records a child as running without starting it (see `boot`). */
  #adopt(spec: ResolvedChildSpec, dynamic: boolean): void {
    this.#store.insert({
      id: spec.id,
      spec,
      dynamic,
      status: "running",
      generation: UNKNOWN_GENERATION,
      restarts: 0,
      lastReason: null,
      lastAt: null,
      downSince: null,
    });
  }

  /** The spec of `simple_one_for_one` instance `name`: the template with its id and name. */
  instance(name: string): ResolvedChildSpec {
    const template = this.#spec.children[0];
    if (!template) throw new Error(`supervisor ${this.#host.name} has no template`);
    return { ...template, id: name, address: { ...template.address, name } };
  }

  /** Starts a child that has no row yet; keeps its row as OTP keeps its spec. */
  async startNew(spec: ResolvedChildSpec, dynamic: boolean): Promise<NewChild> {
    const generation = this.#store.nextGeneration();
    const outcome = await this.#ports.start(spec, generation);
    if (!outcome.ok) return outcome;
    if (!outcome.started && (dynamic || spec.restart === "temporary")) {
      return { ok: true, row: null, started: false };
    }
    const row = this.#store.insert({
      id: spec.id,
      spec,
      dynamic,
      status: outcome.started ? "running" : "down",
      generation,
      restarts: 0,
      lastReason: null,
      lastAt: null,
      downSince: outcome.started ? null : Date.now(),
    });
    return { ok: true, row, started: outcome.started };
  }

  /** Starts an existing child again (a new generation); `ignore` leaves it down. */
  async startRow(row: ChildRow): Promise<StartOutcome> {
    const generation = this.#store.nextGeneration();
    const outcome = await this.#ports.start(row.spec, generation);
    if (outcome.ok && outcome.started) {
      this.#store.update(row.id, { status: "running", generation, downSince: null });
    } else if (outcome.ok && (row.dynamic || row.spec.restart === "temporary")) {
      this.#store.remove(row.id);
    } else {
      // Ignored or failed: still not running. A failure keeps the time it went down, so a
      // refused `restartChild` changes nothing but the generation its child has seen.
      const downSince = outcome.ok ? Date.now() : (row.downSince ?? Date.now());
      this.#store.update(row.id, { status: "down", generation, downSince });
    }
    return outcome;
  }

  /**
   * Terminates one child (reason `shutdown` unless given) within its `shutdown` budget. Its
   * row stays, `down`, unless the child is temporary or dynamic: then it is removed.
   */
  async terminate(row: ChildRow, reason = "shutdown"): Promise<void> {
    if (row.status === "running") await this.#ports.stop(row.spec, row.generation, reason);
    if (row.status === "restarting") await this.#keepStopped(row, reason);
    if (row.dynamic || row.spec.restart === "temporary") this.#store.remove(row.id);
    else this.#store.update(row.id, { status: "down", downSince: Date.now() });
  }

  /**
   * Terminates every child: one at a time in reverse start order, or — for the dynamic
   * children of a `simple_one_for_one` supervisor — concurrently, in batches. Rows stay
   * (`down`) so the view still shows them; the next start of this supervisor clears them.
   */
  async terminateAll(): Promise<void> {
    const concurrent = this.#flags.strategy === "simple_one_for_one";
    let cursor = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = this.#store.page(cursor, concurrent ? DYNAMIC_SHUTDOWN_BATCH : 1, true);
      const last = rows.at(-1);
      if (!last) return;
      cursor = last.seq;
      const stop = async (row: ChildRow) => {
        if (row.status === "running") await this.#ports.stop(row.spec, row.generation, "shutdown");
        if (row.status === "restarting") await this.#keepStopped(row, "shutdown");
        if (row.status !== "down")
          this.#store.update(row.id, { status: "down", downSince: Date.now() });
      };
      await Promise.all(rows.map(stop));
    }
  }

  /** A child exited: restart it (and its group) by restart type and strategy, or let it go. */
  async onExit(report: ExitReport): Promise<string | null> {
    const row = this.#store.get(report.childId);
    // Unknown, already handled, or from an older start: OTP ignores an EXIT it does not expect.
    if (row?.status !== "running") return null;
    const known = report.generation !== undefined && row.generation !== UNKNOWN_GENERATION;
    if (known && report.generation !== row.generation) return null;
    this.#store.update(row.id, { lastReason: report.reason, lastAt: report.at });
    if (shouldRestart(row.spec.restart, report.reason)) {
      return this.restart(row.id, report.reason, report.at);
    }
    await this.#keepStopped(row, report.reason);
    if (row.dynamic || row.spec.restart === "temporary") this.#store.remove(row.id);
    else this.#store.update(row.id, { status: "down", downSince: report.at });
    if (row.spec.kind === "supervisor" || !isNormalExit(report.reason)) {
      await this.#host.emit({ type: "child-down", supervisor: this.#host.name, child: row.id });
    }
    const significantActive = this.#store.counts().significantActive;
    if (shouldAutoShutdown(this.#flags.autoShutdown, row.spec.significant, significantActive)) {
      return this.exit(`auto_shutdown: ${row.id}`, {
        type: "auto-shutdown",
        supervisor: this.#host.name,
        child: row.id,
      });
    }
    return null;
  }

  /**
   * Counts a restart of `id`, then restarts its group: the affected siblings are terminated
   * in reverse start order (temporary ones removed), then started in start order. A start
   * that fails leaves that child `restarting` (and the rest of the group down) and asks for
   * a retry by timer; the caller does not wait for it.
   */
  async restart(id: string, reason: string, at = Date.now()): Promise<string | null> {
    const counted = recordRestart(this.#store.history, at, this.#flags);
    this.#store.history = counted.history;
    if (counted.exceeded) {
      // The offender is gone already: no stop hook (OTP deletes it before shutting down).
      const offender = this.#store.get(id);
      if (offender) {
        await this.#keepStopped(offender, "shutdown");
        this.#store.update(id, { status: "down", downSince: Date.now() });
      }
      return this.exit(`${MAX_INTENSITY}: ${id}`, {
        type: "gave-up",
        supervisor: this.#host.name,
        offender: id,
      });
    }
    const failed = this.#store.get(id);
    if (!failed) return null;
    this.#store.update(id, { status: "down", restarts: failed.restarts + 1 });
    const group = this.#group(failed);
    for (const sibling of [...group].reverse()) {
      const current = sibling.id === id ? null : this.#store.get(sibling.id);
      if (current) await this.terminate(current);
    }
    for (const member of group) {
      const current = this.#store.get(member.id);
      if (!current) continue; // a temporary sibling: terminated and removed, not restarted
      const outcome = await this.startRow(current);
      if (!outcome.ok) {
        this.#store.update(member.id, { status: "restarting" });
        logEvent("warn", "supervisor-restart-failed", {
          supervisor: this.#host.name,
          child: member.id,
          reason: outcome.reason,
        });
        await this.#host.emit({
          type: "restart-failed",
          supervisor: this.#host.name,
          child: member.id,
          reason: outcome.reason,
        });
        await this.#host.scheduleRetry();
        return null;
      }
    }
    await this.#host.emit({ type: "restarted", supervisor: this.#host.name, child: id, reason });
    return null;
  }

  /** The retry timer: tries the first `restarting` child again (counted toward intensity). */
  async retry(): Promise<string | null> {
    const row = this.#store.withStatus("restarting", 1)[0];
    if (!row) return null;
    const exited = await this.restart(row.id, row.lastReason ?? "restart failed");
    if (exited === null && this.#store.withStatus("restarting", 1).length > 0) {
      await this.#host.scheduleRetry();
    }
    return exited;
  }

  /** Terminates every child and stops this supervisor; its parent hears `shutdown`. */
  async exit(why: string, event: SupervisionEvent): Promise<string> {
    this.#store.phase = { phase: "stopped", reason: why };
    await this.terminateAll();
    await this.#host.emit(event);
    return "shutdown";
  }

  /**
   * Makes sure a child that is not running stays stopped: a Durable Object starts again on its
   * next message otherwise. No stop hook (it exited, or its start failed); for a supervisor
   * that exited by itself this is a no-op.
   */
  async #keepStopped(row: ChildRow, reason: string): Promise<void> {
    const shutdown = row.spec.kind === "actor" ? "brutal_kill" : row.spec.shutdown;
    await this.#ports.stop({ ...row.spec, shutdown }, row.generation, reason);
  }

  /** The children a restart of `failed` touches, in start order (see `affectedChildren`). */
  #group(failed: ChildRow): ChildRow[] {
    const strategy = this.#flags.strategy;
    if (strategy === "one_for_one" || strategy === "simple_one_for_one") return [failed];
    // Static children only (a handful): the strategy's arithmetic runs on their ids.
    const rows: ChildRow[] = [];
    for (let cursor = 0; ; ) {
      const page = this.#store.page(cursor, 100);
      const last = page.at(-1);
      if (!last) break;
      rows.push(...page);
      cursor = last.seq;
    }
    const affected = new Set(
      affectedChildren(
        strategy,
        rows.map((r) => r.id),
        failed.id,
      ),
    );
    return rows.filter((row) => affected.has(row.id));
  }
}
