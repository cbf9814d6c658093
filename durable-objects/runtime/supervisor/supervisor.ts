import { DurableObject } from "cloudflare:workers";
import { logEvent } from "../../../core/log";
import {
  affectedChildren,
  DEFAULT_FLAGS,
  isNormalExit,
  parseFlags,
  recordRestart,
  type SupervisorFlags,
  shouldRestart,
} from "../../../core/supervision";
import type { ExitReport } from "../actor";
import type { ChildSpec, ChildView, ObjectAddress, SupervisorSpec, SupervisorView } from "./spec";
import { type ChildRecord, SupervisorStore } from "./store";

/** The reason a supervisor reports when it gives up, as OTP names it. */
export const MAX_INTENSITY = "reached_max_restart_intensity";

/** What a supervisor tells its observers (alarms and notifications hook in here). */
export type SupervisionEvent =
  | {
      readonly type: "restarted";
      readonly supervisor: string;
      readonly child: string;
      readonly reason: string;
    }
  | { readonly type: "gave-up"; readonly supervisor: string; readonly offender: string }
  | { readonly type: "child-down"; readonly supervisor: string; readonly child: string }
  | { readonly type: "child-up"; readonly supervisor: string; readonly child: string };

interface ChildRpc {
  restart(): Promise<unknown>;
  stop(reason: string): Promise<unknown>;
}
interface SupervisorRpc {
  childExited(report: ExitReport): Promise<unknown>;
  restartTree(): Promise<unknown>;
  stopTree(reason: string): Promise<unknown>;
  tree(): Promise<SupervisorView>;
}

/**
 * A supervisor with OTP semantics, as a Durable Object. Children report exits with
 * `childExited`; the supervisor applies its strategy to the affected children, counting every
 * restart (failed ones too) in a sliding window kept in storage. More than `intensity`
 * restarts within `periodMs` and it gives up: it stops every child, records
 * `reached_max_restart_intensity` naming the offender, and escalates to its parent, which
 * treats it as a crashed child and applies its own strategy.
 *
 * The spec comes from `configure(spec)` (stored) or, failing that, from `specFor(name)`,
 * which a subclass overrides to derive a static tree from configuration.
 */
export class Supervisor<E = unknown> extends DurableObject<E> {
  readonly #store: SupervisorStore;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    this.#store = new SupervisorStore(ctx.storage.sql);
  }

  /** The spec of supervisor `name` when none was configured; `null` if it is unknown. */
  protected specFor(_name: string): SupervisorSpec | null {
    return null;
  }

  /**
   * Observes supervision events (metrics, alarms, notifications). The default writes one
   * structured log line per event (`supervision-restarted`, `supervision-gave-up`, ...).
   */
  protected onEvent(event: SupervisionEvent): void | Promise<void> {
    const level = event.type === "gave-up" || event.type === "child-down" ? "warn" : "info";
    logEvent(level, `supervision-${event.type}`, { ...event });
  }

  get #name(): string {
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  #spec(): SupervisorSpec {
    const spec = this.#store.spec ?? this.specFor(this.#name);
    if (!spec) throw new Error(`supervisor "${this.#name}" has no spec`);
    return spec;
  }

  #flags(): SupervisorFlags {
    return parseFlags({ ...DEFAULT_FLAGS, ...this.#spec().flags });
  }

  /** Stores an explicit spec, replacing the derived one. Validates the flags eagerly. */
  async configure(spec: SupervisorSpec): Promise<SupervisorView> {
    parseFlags({ ...DEFAULT_FLAGS, ...spec.flags });
    const ids = new Set(spec.children.map((c) => c.id));
    if (ids.size !== spec.children.length) throw new Error("child ids must be unique");
    this.#store.spec = spec;
    return this.view();
  }

  /** A child exited (crash, normal exit, or a child supervisor giving up). */
  async childExited(report: ExitReport): Promise<void> {
    if (this.#store.stoppedReason !== null) return; // gave up: its children are stopped
    const child = this.#spec().children.find((c) => c.id === report.childId);
    if (!child) {
      logEvent("error", "unknown-child-exit", { supervisor: this.#name, child: report.childId });
      return;
    }
    const record = this.#store.child(child.id);
    this.#store.updateChild(child.id, { lastReason: report.reason, lastAt: report.at });
    if (!shouldRestart(child.restart ?? "permanent", report.reason)) {
      const down = child.kind === "supervisor" || !isNormalExit(report.reason);
      this.#store.updateChild(child.id, {
        status: down ? "down" : "exited",
        downSince: record.downSince ?? report.at,
      });
      // A DO starts again on its next message, so "not restarted" means stopped explicitly.
      if ((child.kind ?? "actor") === "actor") await this.#actor(child.address).stop(report.reason);
      if (down) await this.onEvent({ type: "child-down", supervisor: this.#name, child: child.id });
      return;
    }
    await this.#restartAfter(child.id, report.at, report.reason);
  }

  /** Counts a restart in the window, then restarts per strategy or gives up. */
  async #restartAfter(childId: string, at: number, reason: string): Promise<void> {
    const flags = this.#flags();
    const counted = recordRestart(this.#store.history, at, flags);
    this.#store.history = counted.history;
    if (counted.exceeded) {
      await this.#giveUp(childId);
      return;
    }
    const specs = this.#spec().children;
    const ids = affectedChildren(
      flags.strategy,
      specs.map((c) => c.id),
      childId,
    );
    // Restarting awaits each child, and other exits, a give-up or an admin restart may be
    // handled meanwhile: the epoch tells this flow when it has become stale.
    const epoch = this.#store.epoch;
    for (const id of ids) {
      const spec = specs.find((c) => c.id === id);
      if (!spec) continue;
      if (this.#store.epoch !== epoch) return;
      const failed = await this.#restartChild(spec, id === childId, epoch);
      if (failed !== null) {
        // A failed restart counts toward intensity, as in OTP; try again or give up.
        await this.#restartAfter(id, Date.now(), failed);
        return;
      }
    }
    await this.onEvent({ type: "restarted", supervisor: this.#name, child: childId, reason });
  }

  /**
   * Restarts one child; answers the failure reason, or `null` on success (or when the flow
   * went stale). If the tree was stopped while this restart was in flight, the child is
   * stopped again: a give-up must not be undone by a restart that started before it.
   */
  async #restartChild(spec: ChildSpec, counted: boolean, epoch: number): Promise<string | null> {
    this.#store.updateChild(spec.id, { status: "restarting" });
    let failure: string | null = null;
    try {
      if (spec.kind === "supervisor") await this.#supervisor(spec.address).restartTree();
      else await this.#actor(spec.address).restart();
    } catch (error) {
      failure = `restart failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    // Counters are read after the await, so concurrent restarts never lose an increment.
    const restarts = this.#store.child(spec.id).restarts + (counted || failure ? 1 : 0);
    const stopped = this.#store.stoppedReason;
    if (this.#store.epoch !== epoch && stopped !== null) {
      this.#store.updateChild(spec.id, { status: "stopped", restarts });
      await this.#stopChild(spec, stopped);
      return null;
    }
    this.#store.updateChild(
      spec.id,
      failure ? { restarts } : { status: "running", restarts, downSince: null },
    );
    return failure;
  }

  async #giveUp(offender: string): Promise<void> {
    const reason = `${MAX_INTENSITY}: ${offender}`;
    this.#store.stoppedReason = reason;
    this.#store.bumpEpoch();
    await this.#stopChildren(reason);
    await this.onEvent({ type: "gave-up", supervisor: this.#name, offender });
    const parent = this.#spec().parent;
    if (parent) {
      await this.#supervisor(parent.address).childExited({
        childId: parent.childId,
        reason,
        at: Date.now(),
      });
    }
  }

  async #stopChildren(reason: string): Promise<void> {
    await Promise.all(
      this.#spec().children.map((spec) => {
        this.#store.updateChild(spec.id, { status: "stopped" });
        return this.#stopChild(spec, reason);
      }),
    );
  }

  async #stopChild(spec: ChildSpec, reason: string): Promise<void> {
    try {
      if (spec.kind === "supervisor") await this.#supervisor(spec.address).stopTree(reason);
      else await this.#actor(spec.address).stop(reason);
    } catch (error) {
      logEvent("error", "child-stop-failed", {
        supervisor: this.#name,
        child: spec.id,
        error: String(error),
      });
    }
  }

  /** Parent (or admin) entry: a fresh window, status running, every child restarted. */
  async restartTree(): Promise<SupervisorView> {
    this.#store.stoppedReason = null;
    this.#store.history = [];
    const epoch = this.#store.bumpEpoch();
    for (const spec of this.#spec().children) {
      const failed = await this.#restartChild(spec, false, epoch);
      if (failed !== null) throw new Error(`${this.#name}: child ${spec.id} ${failed}`);
    }
    return this.view();
  }

  /** Parent entry: this supervisor's parent gave up, so everything below stops. */
  async stopTree(reason: string): Promise<void> {
    this.#store.stoppedReason = reason;
    this.#store.bumpEpoch();
    await this.#stopChildren(reason);
  }

  /**
   * Brings child `id` back: a `down` or stopped supervisor child gets a fresh window and
   * restarted children; an actor child is restarted. A child that is up is left alone (no-op).
   * Answers `null` for an unknown child.
   */
  async restartChild(id: string): Promise<ChildView | null> {
    const spec = this.#spec().children.find((c) => c.id === id);
    if (!spec) return null;
    const record = this.#store.child(id);
    const view = spec.kind === "supervisor" ? await this.#supervisor(spec.address).tree() : null;
    const up = record.status === "running" && (view === null || view.status === "running");
    if (!up) {
      const failed = await this.#restartChild(spec, false, this.#store.epoch);
      if (failed !== null) throw new Error(`${this.#name}: ${id} ${failed}`);
      await this.onEvent({ type: "child-up", supervisor: this.#name, child: id });
    }
    return (await this.tree()).children.find((c) => c.id === id) ?? null;
  }

  /** Backoff-timed recovery: restarts `down` children that have been down for `recoveryMs`. */
  async tick(now = Date.now()): Promise<string[]> {
    const recoveryMs = this.#spec().recoveryMs ?? 0;
    if (recoveryMs <= 0) return [];
    const due = this.#spec().children.filter((spec) => {
      const record = this.#store.child(spec.id);
      return record.status === "down" && (record.downSince ?? now) + recoveryMs <= now;
    });
    for (const spec of due) await this.restartChild(spec.id);
    return due.map((spec) => spec.id);
  }

  /** Ids of children that are `down` (their service fails fast until recovered). */
  async downChildren(): Promise<string[]> {
    return this.#spec()
      .children.filter((spec) => this.#store.child(spec.id).status === "down")
      .map((spec) => spec.id);
  }

  /** This supervisor's flags, status and children (one level). */
  async view(): Promise<SupervisorView> {
    const flags = this.#flags();
    const stopped = this.#store.stoppedReason;
    return {
      id: this.#name,
      strategy: flags.strategy,
      intensity: flags.intensity,
      periodMs: flags.periodMs,
      status: stopped === null ? "running" : "stopped",
      reason: stopped,
      children: this.#spec().children.map((spec) => childView(spec, this.#store.child(spec.id))),
    };
  }

  /** The whole subtree, nested supervisors included. */
  async tree(): Promise<SupervisorView> {
    const view = await this.view();
    const specs = this.#spec().children;
    const children = await Promise.all(
      view.children.map(async (child) => {
        const spec = specs.find((c) => c.id === child.id);
        if (spec?.kind !== "supervisor") return child;
        return { ...child, supervisor: await this.#supervisor(spec.address).tree() };
      }),
    );
    return { ...view, children };
  }

  #namespace(address: ObjectAddress): DurableObjectNamespace {
    const namespace = (this.env as Record<string, unknown>)[address.binding];
    if (!namespace || typeof (namespace as DurableObjectNamespace).idFromName !== "function") {
      throw new Error(`supervisor ${this.#name}: no Durable Object binding "${address.binding}"`);
    }
    return namespace as DurableObjectNamespace;
  }

  #actor(address: ObjectAddress): ChildRpc {
    const ns = this.#namespace(address);
    return ns.get(ns.idFromName(address.name)) as unknown as ChildRpc;
  }

  #supervisor(address: ObjectAddress): SupervisorRpc {
    const ns = this.#namespace(address);
    return ns.get(ns.idFromName(address.name)) as unknown as SupervisorRpc;
  }
}

function childView(spec: ChildSpec, record: ChildRecord): ChildView {
  return {
    id: spec.id,
    kind: spec.kind ?? "actor",
    restart: spec.restart ?? "permanent",
    status: record.status,
    restarts: record.restarts,
    lastCrash:
      record.lastReason !== null && record.lastAt !== null && record.lastReason !== "normal"
        ? { reason: record.lastReason, at: new Date(record.lastAt).toISOString() }
        : null,
  };
}
