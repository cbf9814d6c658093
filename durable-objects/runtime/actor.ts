import { DurableObject } from "cloudflare:workers";
import { fullJitter } from "../../core/backoff";
import { logEvent } from "../../core/log";
import type { AdmissionOptions } from "../../core/regulation";
import { crashReason } from "../../core/supervision";
import { AdmissionGate } from "./admission-gate";
import { BusinessCounts } from "./business-counts";
import type {
  CallMeta,
  CommandContext,
  CommandSpec,
  Commands,
  Protocol,
  SagaContext,
} from "./commands";
import { EntityLifecycle, type EntitySupervisorRpc, IDLE_TIMER, RETENTION_TIMER } from "./entity";
import { FaultBox, type FaultPlan, type FaultSpec } from "./faults";
import { type IdempotencyLookup, IdempotencyStore } from "./idempotency";
import { ActorLifecycle, type StartHookResult } from "./lifecycle";
import { objectName, rememberName } from "./object-name";
import {
  type Failure,
  fail,
  type LoadReport,
  type Reply,
  type Result,
  RuntimeCodes,
} from "./result";
import { RuntimeTables } from "./runtime-tables";
import { SagaInterrupted, SagaRunner, StaleIncarnation } from "./saga-runner";
import { SerialWork } from "./serial-work";
import {
  type StartOutcome,
  type StartRequest,
  type StopOutcome,
  type StopRequest,
  withinBudget,
} from "./supervisor/child-protocol";
import { CommandStatsSink, type CounterLabels, type TelemetrySink } from "./telemetry";
import { type DueTimer, Timers } from "./timers";

/**
 * Where an actor reports its exits: a supervisor object and the child id it knows us by. An
 * entity (an actor with `idleTimeoutMs`) also enrolls and leaves there (`runtime/entity/`).
 */
export interface SupervisorLink {
  readonly supervisor: {
    childExited(report: ExitReport): Promise<unknown>;
  } & Partial<EntitySupervisorRpc>;
  readonly childId: string;
}

/**
 * A child's exit as its supervisor hears it. `reason` is `normal` (or `shutdown`,
 * `shutdown:<detail>`) for a deliberate exit, anything else for a crash. `generation` is the
 * start it belongs to (omitted: the current one); a report of an older start is ignored.
 */
export interface ExitReport {
  readonly childId: string;
  readonly reason: string;
  readonly at: number;
  readonly generation?: number;
}

/** What `inspect()` answers: the actor's lifecycle, load, faults and per-command telemetry. */
export interface ActorInspection {
  readonly status: "idle" | "running" | "stopped";
  readonly incarnation: number;
  readonly load: LoadReport | null;
  readonly faults: FaultSpec[];
  readonly commands: ReturnType<CommandStatsSink["snapshot"]>;
}

const TIMER_RETRY = { baseMs: 500, capMs: 60_000 };

/**
 * The base of every supervised actor. It owns the platform entry points (RPC `call`,
 * `alarm`, `fetch`, WebSocket handlers) and runs every message through one pipeline:
 * start → stopped? → faults → deadline → admission → idempotency → transaction → handler →
 * telemetry. Subclasses implement hooks only:
 *
 * - `commands` (required): the handler table for protocol `P` (`read`, `write`, `saga`).
 * - `service` (required): the service name reported in telemetry.
 * - `onStart()` (optional, default no-op): rebuild in-memory state from storage. Runs once
 *   per incarnation inside `blockConcurrencyWhile`; if it throws, nothing is cached and the
 *   next message runs it again. Returning `"ignore"` (OTP's `ignore`) declines to run: the
 *   actor stays stopped, and a supervisor's start reports it as not started, not failed.
 * - `onStop(reason)` (optional, default no-op): the supervisor is terminating this actor
 *   (reason `shutdown`, or the reason given). Runs after new commands are already refused,
 *   within the child spec's `shutdown` budget (default 5000 ms); past it the actor is
 *   stopped without waiting for the hook. Not run on a crash nor under `brutal_kill`.
 * - `onTimer(timer, cx)` (optional): a timer set with `timers.schedule` came due. A
 *   synchronous handler commits in one transaction with the timer's consumption; an
 *   asynchronous one writes through `cx.step` and must be idempotent (a crash between steps
 *   fires it again). If it throws, the actor crashes and the timer is retried later with
 *   backoff instead of burning the platform's six alarm retries.
 * - `supervision()` (optional, default unsupervised): where to report exits.
 * - `admissionOptions()` (optional, default none): per-actor admission limits for writes.
 *
 * "Let it crash": an unexpected throw rolls back the message's writes, discards the
 * in-memory state (the next message runs `onStart` again), reports the crash to the
 * supervisor, and answers `internal-error` as a value. No `ctx.abort()`: it does not exist in
 * local `wrangler dev`.
 */
export abstract class Actor<E = unknown, P extends Protocol = Protocol> extends DurableObject<E> {
  protected abstract readonly commands: Commands<P>;
  protected abstract readonly service: string;

  /** Named timers on the object's single alarm. */
  protected readonly timers: Timers;
  /** Telemetry sink; replace it to export elsewhere (`inspect()` keeps its own counts). */
  protected telemetry: TelemetrySink;

  /** The runtime's tables, created with the first write (`RuntimeTables`). */
  readonly #tables: RuntimeTables;
  readonly #stats = new CommandStatsSink();
  readonly #counts = new BusinessCounts();
  readonly #lifecycle: ActorLifecycle;
  readonly #idempotency: IdempotencyStore;
  readonly #faults: FaultBox;
  readonly #sagas: SagaRunner;
  readonly #admission: AdmissionGate;
  readonly #work = new SerialWork();
  /** Consecutive failed starts inside `alarm()`, for its retry backoff. */
  #startFailures = 0;
  /** Idle passivation, built on first use: `null` unless `idleTimeoutMs()` is a number. */
  #entityState: EntityLifecycle | null | undefined;
  #name: string | undefined;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    // Nothing is created here: an object that only serves reads keeps no storage. Its first
    // write creates the runtime's tables and keeps its name, in that write's transaction.
    this.#tables = RuntimeTables.of(ctx.storage);
    this.#tables.onFirstWrite(() => rememberName(ctx));
    this.timers = new Timers(ctx.storage);
    this.#idempotency = new IdempotencyStore(ctx.storage, this.timers);
    this.#faults = new FaultBox(ctx.storage);
    this.#lifecycle = new ActorLifecycle(ctx, () => this.onStart());
    // A saga's resume timer must be armed as soon as the step that set it commits, not when
    // the whole saga ends: an object reset mid-saga would otherwise leave it unarmed.
    this.#sagas = new SagaRunner(
      ctx.storage,
      () => this.#lifecycle.incarnation,
      () => {
        this.#counts.commit(this.telemetry);
        this.timers
          .arm()
          .catch((error) =>
            logEvent("error", "timer-arming-failed", { actor: this.name, error: String(error) }),
          );
      },
    );
    this.#admission = new AdmissionGate(this.name, () => this.admissionOptions());
    this.telemetry = this.#stats;
  }

  protected onStart(): StartHookResult | Promise<StartHookResult> {}

  protected onStop(_reason: string): void | Promise<void> {}

  protected onTimer(timer: DueTimer, _cx: SagaContext): void | Promise<void> {
    throw new Error(`${this.service}: no handler for timer "${timer.name}"`);
  }

  /** Runs after a state-changing message committed (not after a crash): publish here. */
  protected onCommitted(): void {}

  /**
   * The incarnation ended — it crashed, passivated when idle, or the supervisor restarted,
   * stopped or shut it down: drop what it kept in memory, which may hold writes of a
   * transaction that was rolled back (a crash), before anything else reads it. `onStart`
   * rebuilds the next one from storage. Synchronous; a throw is logged, never raised.
   */
  protected onReset(): void {}

  /** HTTP into the actor (WebSocket upgrades); the default answers 404. */
  protected onRequest(_request: Request): Response | Promise<Response> {
    return new Response("not found", { status: 404 });
  }

  /**
   * A request this actor refuses before it counts as activity (optional, default `null`:
   * none): its answer, or `null` to go on to `onRequest`. Runs on a started incarnation; an
   * entity refused here is neither enrolled nor kept alive, so a refused upgrade costs the
   * entity nothing. Synchronous; `onRequest` must still check what an `await` could change.
   */
  protected refuseRequest(_request: Request): Response | null {
    return null;
  }

  protected supervision(): SupervisorLink | null {
    return null;
  }

  protected admissionOptions(): AdmissionOptions | null {
    return null;
  }

  /**
   * Idle passivation (optional, default `null`: never). A number of ms makes this actor an
   * entity (`runtime/entity/`): it enrolls with its supervisor on its first message, and after
   * that long without activity (a message other than a `read`, a `fetch`) it runs `onIdle`,
   * drops its memory and leaves the supervisor; the next message brings it back from storage.
   * Read once per object; an integer from 1 to 2^31 − 1.
   */
  protected idleTimeoutMs(): number | null {
    return null;
  }

  /**
   * How long a passive entity's storage is kept (optional, default `null`: for ever). A
   * number of ms (a positive integer) erases it that long after the entity passivated, or
   * its supervisor stopped it — every table, every key, the alarm — unless it is active
   * again or something is still pending (a timer, an idempotency record's sweep, an open
   * socket): then once that is done. Its next message finds nothing and starts from empty
   * storage. Read once per object.
   */
  protected retentionMs(): number | null {
    return null;
  }

  /**
   * The entity is idle (optional, default no-op). Synchronous: its writes commit in one
   * transaction with the passivation. A throw is a crash: nothing is kept, the crash is
   * reported, and the idle timer is tried again later with backoff.
   */
  protected onIdle(): void {}

  /** When this entity last had activity (epoch ms; see `IdleClock`), `null` if not an entity. */
  protected get lastActiveAt(): number | null {
    return this.#entity?.idle.lastActiveAt() ?? null;
  }

  /**
   * Counts a business fact (`family` is an exporter's counter name, e.g.
   * `bulwark_holds_total`; `labels` bounded values only). The count is staged and reaches the
   * telemetry sink only when the message's writes commit: a crashed message counts nothing,
   * and a replayed or no-op command counts nothing if the handler only counts real changes.
   */
  protected count(family: string, labels: CounterLabels = {}, by = 1): void {
    this.#counts.stage(family, labels, by);
  }

  /**
   * The reply this actor recorded for idempotency key `key` (read-only): `miss` when none is
   * kept, `replay` with the stored reply when `fingerprint` matches, `conflict` when the key
   * was used with another request. For a service whose keyed commands may have run on
   * another of its objects (a hot SKU's sub-shards): it can ask that object for the answer.
   */
  protected recordedReply(key: string, fingerprint: string): IdempotencyLookup {
    return this.#idempotency.lookup(key, fingerprint, Date.now());
  }

  /** The actor's admission load now (`null` when unregulated), for exporters' gauges. */
  protected currentLoad(): LoadReport | null {
    return this.#load();
  }

  /** Simulated serial work per state-changing command, in ms (benchmarks only; default 0). */
  protected serviceTimeMs(): number {
    return 0;
  }

  /**
   * This object's name (`idFromName`), which is also its child id under its supervisor.
   * Kept after the first read: every command reads it, and each read of `ctx.id` and its
   * `name` is a call into the runtime.
   */
  protected get name(): string {
    this.#name ??= objectName(this.ctx);
    return this.#name;
  }

  /** Sends a command and waits for its result. Never throws for expected failures. */
  async call(command: string, payload: unknown, meta: CallMeta = {}): Promise<Reply<unknown>> {
    const startedAt = Date.now();
    let reply: Result<unknown>;
    try {
      const entity = this.#entity;
      const refused =
        this.#neverWrittenAnswer(command) ??
        (entity ? await entity.admit(startedAt, this.#isActivity(command)) : null);
      reply = refused ?? (await this.#dispatch(command, payload, meta, startedAt));
    } catch (error) {
      // Start failures and bugs before the handler ran: this incarnation crashed.
      reply = await this.#crash(error, this.#lifecycle.incarnation);
    }
    const event = {
      service: this.service,
      actor: this.name,
      command,
      outcome: reply.ok ? "ok" : reply.code,
      durationMs: Date.now() - startedAt,
      at: startedAt,
    };
    this.#stats.record(event);
    if (this.telemetry !== this.#stats) this.telemetry.record(event);
    const load = this.#load();
    return load ? { ...reply, load } : reply;
  }

  /** A write's `ifNeverWritten` answer, when it has one and this object never wrote. */
  #neverWrittenAnswer(command: string): Failure | null {
    const spec = (this.commands as Record<string, CommandSpec<unknown, unknown>>)[command];
    if (spec?.kind !== "write" || !spec.ifNeverWritten) return null;
    return this.#tables.neverWritten() ? spec.ifNeverWritten() : null;
  }

  /** Sends a command without waiting for its outcome (it still runs through the pipeline). */
  async cast(command: string, payload: unknown, meta: CallMeta = {}): Promise<void> {
    this.ctx.waitUntil(this.call(command, payload, meta));
  }

  /** Supervisor entry: drop in-memory state, clear a stop, and start again from storage. */
  async restart(): Promise<void> {
    this.#endIncarnation();
    this.#lifecycle.setStopped(null);
    const error = await this.#lifecycle.ensureStarted();
    if (error) throw error;
    await this.timers.arm();
  }

  /** Supervisor entry: stop serving (commands answer `service-unavailable`) until restarted. */
  async stop(reason: string): Promise<void> {
    this.#endIncarnation();
    this.#lifecycle.setStopped(reason);
    await this.#keepWhileStopped();
  }

  /**
   * Supervisor entry (OTP's start function): a fresh incarnation rebuilt from storage by
   * `onStart`, numbered `generation`. Answers started, ignored, or the start failure.
   */
  async start(request: StartRequest): Promise<StartOutcome> {
    this.#endIncarnation();
    this.#lifecycle.setStopped(null);
    this.#lifecycle.setGeneration(request.generation);
    const error = await this.#lifecycle.ensureStarted();
    if (error) {
      // A failed start leaves no running child (OTP: no process): the actor stays stopped
      // until its supervisor starts it again, or its next message would start it unsupervised.
      const reason = error instanceof Error ? error.message : String(error);
      this.#lifecycle.setStopped(`start failed: ${reason}`);
      return { ok: false, reason };
    }
    if (this.#lifecycle.stopped) return { ok: true, started: false };
    await this.timers.arm();
    return { ok: true, started: true };
  }

  /**
   * Supervisor entry (OTP's shutdown): refuse new commands at once, run `onStop(reason)`
   * within the `shutdown` budget (skipped for `brutal_kill`), then drop in-memory state. A
   * request for an older `generation` than the running one is stale and changes nothing.
   */
  async shutdown(request: StopRequest): Promise<StopOutcome> {
    if (request.generation !== undefined && request.generation < this.#lifecycle.generation) {
      return "stale";
    }
    this.#lifecycle.setStopped(request.reason);
    const outcome =
      request.shutdown === "brutal_kill"
        ? "skipped"
        : await withinBudget(async () => this.onStop(request.reason), request.shutdown);
    this.#endIncarnation();
    await this.#keepWhileStopped();
    return outcome;
  }

  /**
   * A stopped actor runs no timer until it is restarted (`restart()` and `start()` arm them
   * again). A stopped entity with a retention keeps its storage that long from now
   * (`EntityLifecycle.stopped`): its alarm waits for the retention timer alone, so a
   * stopped entity nobody comes back to is erased as a passive one is.
   */
  async #keepWhileStopped(): Promise<void> {
    if (this.#entity?.stopped(Date.now())) await this.timers.armOnly(RETENTION_TIMER);
  }

  /** Lifecycle, load, injected faults and per-command telemetry of this incarnation. */
  async inspect(): Promise<ActorInspection> {
    return {
      status: this.#lifecycle.status,
      incarnation: this.#lifecycle.incarnation,
      load: this.#load(),
      faults: this.#faults.list(),
      commands: this.#stats.snapshot(),
    };
  }

  /** Arms a fault for the next `count` state-changing commands (operations API). */
  async injectFault(fault: FaultSpec): Promise<void> {
    this.#faults.inject(fault);
  }

  async clearFaults(): Promise<void> {
    this.#faults.clear();
  }

  /** Ends this actor deliberately; the supervisor decides by restart type whether to restart. */
  protected async exit(reason = "normal"): Promise<void> {
    await this.stop(reason);
    await this.#report(reason);
  }

  override async fetch(request: Request): Promise<Response> {
    // Started first without activity (as a read is), so `refuseRequest` can answer before
    // the request enrolls the entity or moves its idle clock.
    // A stopped entity is asked too: its activity (the admit below) enrolls it again.
    const entity = this.#entity;
    if (entity && this.refuseRequest !== Actor.prototype.refuseRequest) {
      const crashed = await this.#startForRequest();
      if (crashed) return crashed;
      const early = this.refuseRequest(request);
      if (early) return early;
    }
    const refused = entity ? await entity.admit(Date.now(), true) : null;
    if (refused) return new Response(refused.detail, { status: 503 });
    const crashed = await this.#startForRequest();
    if (crashed) return crashed;
    if (this.#lifecycle.stopped) {
      return new Response(`${this.service} is stopped by its supervisor`, { status: 503 });
    }
    return this.refuseRequest(request) ?? this.onRequest(request);
  }

  /** Starts the incarnation for a request: `null` when it runs, else the crash's answer. */
  async #startForRequest(): Promise<Response | null> {
    const error = await this.#lifecycle.ensureStarted();
    if (!error) return null;
    await this.#crash(error, this.#lifecycle.incarnation);
    return new Response("actor crashed while starting", { status: 500 });
  }

  /** Server-push sockets ignore what clients send; override to handle messages. */
  override async webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed (newer compatibility dates auto-reply to close frames), or a code
      // such as 1005/1006 that may not be sent back: nothing left to do.
    }
    // The object may have been evicted since the socket opened (hibernation): the hook runs
    // on a started incarnation, and a throw there is a crash like any other.
    if (this.onSocketClose === Actor.prototype.onSocketClose) return;
    const error = await this.#lifecycle.ensureStarted();
    if (error || this.#lifecycle.stopped) return;
    const incarnation = this.#lifecycle.incarnation;
    try {
      this.onSocketClose(ws);
    } catch (failure) {
      await this.#crash(failure, incarnation);
    }
  }

  /**
   * A hibernatable socket of this actor closed (optional, default no-op): its other sockets
   * may want to hear it (presence). Runs on a started, unstopped incarnation; not activity.
   */
  protected onSocketClose(_ws: WebSocket): void {}

  override async alarm(): Promise<void> {
    this.timers.alarmFired();
    if (this.#lifecycle.stopped) return this.#alarmWhileStopped();
    for (const timer of this.timers.due(Date.now())) {
      // Every timer runs on a started, unstopped incarnation — even after an earlier timer
      // of this batch crashed it — and only if nobody cancelled or moved it meanwhile.
      const ready = await this.#ready();
      if (!ready.ok) return ready.retry();
      const due = this.timers.dueAt(timer.name);
      if (due === null || due > Date.now()) continue;
      if (timer.name === RETENTION_TIMER) await this.#retire();
      else await this.#fire(timer, due);
    }
    this.#startFailures = 0;
    await this.timers.arm();
  }

  /**
   * The alarm of an actor its supervisor stopped: no handler runs (`restart()` re-arms
   * them), but a stopped entity's retention still runs out (see `#keepWhileStopped`).
   */
  async #alarmWhileStopped(): Promise<void> {
    const due = this.#entity ? this.timers.dueAt(RETENTION_TIMER) : null;
    if (due === null) return;
    if (due <= Date.now()) await this.#retire();
    if (this.#lifecycle.stopped) await this.timers.armOnly(RETENTION_TIMER);
  }

  /**
   * Makes sure a started incarnation that the supervisor has not stopped will run the next
   * handler. A start failure is a crash (reported, so a start loop escalates); the alarm is
   * then retried with growing backoff rather than thrown into the platform's six retries.
   */
  async #ready(): Promise<{ ok: true } | { ok: false; retry: () => Promise<void> }> {
    const error = await this.#lifecycle.ensureStarted();
    if (error) {
      await this.#crash(error, this.#lifecycle.incarnation);
      this.#startFailures += 1;
      const delay = fullJitter(this.#startFailures, TIMER_RETRY);
      return {
        ok: false,
        retry: () => this.ctx.storage.setAlarm(Date.now() + Math.max(delay, TIMER_RETRY.baseMs)),
      };
    }
    if (this.#lifecycle.stopped) return { ok: false, retry: async () => {} };
    return { ok: true };
  }

  /**
   * Fires one timer. A synchronous handler runs in one transaction with the timer's
   * consumption, so its effect and the timer's end commit together; an asynchronous one
   * (a saga) makes its writes through `cx.step` and the timer is consumed after it.
   */
  async #fire(timer: DueTimer, due: number): Promise<void> {
    const incarnation = this.#lifecycle.incarnation;
    // Consumed unless the handler set the same name again. Not judged by the clock: it
    // advances while synchronous SQL runs, so a long handler may outlast the new due time.
    const consume = () => this.timers.consume(timer.name, due);
    const idle = timer.name === IDLE_TIMER ? this.#entity : null;
    try {
      const pending = this.#tables.transaction(() => {
        this.#tables.prepare();
        this.#counts.discard(); // anything staged before belongs to a transaction that failed
        const handled =
          timer.name === IdempotencyStore.SWEEP_TIMER
            ? this.#idempotency.sweep(Date.now())
            : idle
              ? idle.fired(Date.now())
              : this.onTimer(timer, this.#sagas.context(undefined));
        if (!(handled instanceof Promise)) consume();
        return handled;
      });
      // A passivation's writes committed with the transaction; what it returns is the leave
      // from the supervisor, no write: `onCommitted` runs now, not after that round trip.
      if (idle) this.#committed();
      if (pending instanceof Promise) {
        await pending;
        consume();
      }
      if (!idle) this.#committed();
    } catch (error) {
      // Back off before reporting the crash: the report awaits the supervisor, and a new
      // incarnation started meanwhile must already see the timer's retry time.
      const delay = fullJitter(timer.attempts + 1, TIMER_RETRY);
      this.timers.retryLater(timer.name, Date.now() + Math.max(delay, TIMER_RETRY.baseMs));
      await this.#crash(error, incarnation);
    }
  }

  /**
   * A passive entity's retention ran out: unless something is still kept
   * (`EntityLifecycle.retired`), its storage is erased and its memory dropped, with no other
   * event in between. `deleteAll` takes every table and key, then the alarm goes too. A
   * failed erase is logged and tried again a minute later; a crash between the two leaves at
   * most an alarm, whose firing finds nothing due and writes nothing.
   */
  async #retire(): Promise<void> {
    const entity = this.#entity;
    const failure = await this.ctx.blockConcurrencyWhile(async () => {
      try {
        const erase = this.#tables.transaction(() => {
          if (entity) return entity.retired(Date.now(), this.ctx.getWebSockets().length);
          this.timers.cancel(RETENTION_TIMER); // not an entity (any more): nothing to retire
          return false;
        });
        if (!erase) return null;
        await this.ctx.storage.deleteAll();
        // Storage is gone: so is every memory of it, before anything else can fail — an
        // incarnation kept over empty storage would show the erased state and write it back.
        this.#endIncarnation();
        this.#tables.erased();
        // From compatibility date 2026-02-24 `deleteAll` takes the alarm too; before, it must
        // go on its own (and a `deleteAlarm` with none set would write alarm metadata back).
        if ((await this.ctx.storage.getAlarm()) !== null) await this.ctx.storage.deleteAlarm();
        logEvent("info", "entity-erased", { service: this.service, actor: this.name });
        return null;
      } catch (error) {
        this.#tables.forget();
        return error;
      }
    });
    if (failure === null) return;
    logEvent("error", "entity-erase-failed", {
      service: this.service,
      actor: this.name,
      error: String(failure),
    });
    this.timers.retryLater(RETENTION_TIMER, Date.now() + TIMER_RETRY.capMs); // a minute later
  }

  async #dispatch(
    command: string,
    payload: unknown,
    meta: CallMeta,
    startedAt: number,
  ): Promise<Result<unknown>> {
    // A running actor skips the calls and their awaits: this is every command's path.
    if (!this.#lifecycle.started) await this.#start();
    const spec = (this.commands as Record<string, CommandSpec<unknown, unknown>>)[command];
    if (!spec) throw new Error(`${this.service} has no command "${command}"`);
    const intake = spec.kind !== "read" && spec.intake;
    if (this.#lifecycle.stopped && !intake) {
      return fail(RuntimeCodes.serviceUnavailable, `${this.service} is stopped by its supervisor`);
    }
    const cx = { now: startedAt, idempotencyKey: meta.idempotencyKey };
    if (spec.kind === "read") return spec.run(payload, cx);

    const deadline = meta.budgetMs === undefined ? undefined : startedAt + meta.budgetMs;
    const faults = this.#faults.take();
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (deadline !== undefined && Date.now() >= deadline) {
      return fail(
        RuntimeCodes.deadlineExceeded,
        "the request's deadline passed before work started",
      );
    }
    if (faults.overload && !intake && !meta.reserved) {
      return fail(RuntimeCodes.overloaded, `${this.name} is overloaded (injected fault)`, {
        retryAfterMs: 1000,
      });
    }
    const ticket =
      intake || meta.reserved
        ? this.#admission.free()
        : (this.#admission.admitNow() ?? (await this.#admission.acquire(deadline)));
    if (!ticket.ok) return ticket.refusal;
    let incarnation = this.#lifecycle.incarnation;
    try {
      this.telemetry.admitted?.(this.service);
      const workMs = intake ? 0 : this.serviceTimeMs();
      if (workMs > 0) await this.#work.run(workMs);
      // While this command waited, another may have crashed this incarnation (its memory
      // is then untrustworthy) or the supervisor may have stopped the actor: check again,
      // after the last await and before the handler.
      if (!this.#lifecycle.started) await this.#start();
      if (this.#lifecycle.stopped && !intake) {
        return fail(
          RuntimeCodes.serviceUnavailable,
          `${this.service} is stopped by its supervisor`,
        );
      }
      incarnation = this.#lifecycle.incarnation;
      const result =
        spec.kind === "write"
          ? this.#runWrite(spec.run, payload, meta, faults, { ...cx, now: Date.now() })
          : await this.#sagas.run(spec.run, payload, meta, faults.crashAtStep);
      this.#committed();
      return result;
    } catch (error) {
      // Crash before the ticket is released, so no waiting command runs on this memory.
      if (!(error instanceof SagaInterrupted)) return await this.#crash(error, incarnation);
      await this.#crash(error.cause, incarnation);
      return fail(
        RuntimeCodes.interrupted,
        `${this.service} crashed mid-saga after part of the work was durable; it resumes from storage`,
      );
    } finally {
      ticket.release();
      if (this.timers.stale) await this.timers.arm();
    }
  }

  /** Starts an incarnation; a start that fails throws (the caller crashes this one). */
  async #start(): Promise<void> {
    const error = await this.#lifecycle.ensureStarted();
    if (error) throw error;
  }

  #runWrite(
    run: (payload: unknown, cx: CommandContext) => Result<unknown>,
    payload: unknown,
    meta: CallMeta,
    faults: FaultPlan,
    cx: CommandContext,
  ): Result<unknown> {
    this.#counts.discard(); // anything staged before belongs to a transaction that failed
    return this.#tables.transaction(() => {
      // A state-changing command prepares the runtime's storage with whatever it writes.
      this.#tables.prepare();
      return this.#idempotency.once(meta.idempotencyKey, meta.fingerprint ?? "", cx.now, () => {
        const result = run(payload, cx);
        if (faults.crashAtStep !== null) throw new Error("injected crash");
        return result;
      });
    });
  }

  /**
   * Let it crash: forget memory, tell the supervisor, answer `internal-error` as a value.
   * An incarnation crashes once: a second failure of the same incarnation (a joined
   * duplicate, a concurrent message hitting the same bug) or a stale saga step is not
   * reported again, so one fault counts as one restart.
   */
  async #crash(error: unknown, incarnation: number): Promise<Result<never>> {
    const answer = fail(
      RuntimeCodes.internalError,
      `${this.service} actor crashed while serving the request`,
    );
    this.#counts.discard(); // the failed transaction's counts never happened
    if (error instanceof StaleIncarnation || incarnation !== this.#lifecycle.incarnation) {
      return answer;
    }
    const reason = crashReason(error);
    this.#endIncarnation();
    logEvent("error", "actor-crashed", { service: this.service, actor: this.name, reason });
    await this.#report(reason);
    return answer;
  }

  /** Ends the incarnation: its memory (the runtime's and `onReset`'s) is gone. */
  #endIncarnation(): void {
    this.#lifecycle.reset();
    this.#tables.forget(); // a rolled-back write may have taken tables with it
    this.#sagas.clear();
    this.#runHook("on-reset-failed", () => this.onReset());
  }

  /** `onCommitted` after a commit; its failure must not turn a committed write into a 500. */
  #committed(): void {
    this.#counts.commit(this.telemetry);
    this.#runHook("on-committed-failed", () => this.onCommitted());
  }

  /** Runs a synchronous hook whose failure is logged as `event`, never raised. */
  #runHook(event: string, hook: () => void): void {
    try {
      hook();
    } catch (error) {
      logEvent("error", event, { service: this.service, actor: this.name, error: String(error) });
    }
  }

  async #report(reason: string): Promise<void> {
    const link = this.supervision();
    if (!link) return;
    try {
      await link.supervisor.childExited({
        childId: link.childId,
        reason,
        at: Date.now(),
        generation: this.#lifecycle.generation,
      });
    } catch (error) {
      // The crash is already handled locally; a supervisor that cannot hear it is logged.
      logEvent("error", "exit-report-failed", {
        service: this.service,
        actor: this.name,
        reason,
        error: String(error),
      });
    }
  }

  #load(): LoadReport | null {
    return this.#admission.load();
  }

  get #entity(): EntityLifecycle | null {
    if (this.#entityState !== undefined) return this.#entityState;
    const idleMs = this.idleTimeoutMs();
    this.#entityState =
      idleMs === null
        ? null
        : new EntityLifecycle(
            idleMs,
            {
              name: this.name,
              service: this.service,
              storage: this.ctx.storage,
              timers: this.timers,
              lifecycle: this.#lifecycle,
              endIncarnation: () => this.#endIncarnation(),
              supervision: () => this.supervision(),
              onIdle: () => this.onIdle(),
            },
            this.retentionMs(),
          );
    return this.#entityState;
  }

  /** Whether `command` counts as an entity's activity: every message but a `read`. */
  #isActivity(command: string): boolean {
    const spec = (this.commands as Record<string, CommandSpec<unknown, unknown> | undefined>)[
      command
    ];
    return spec?.kind !== "read";
  }
}
