import { exponential } from "../../core/backoff";
import { logEvent } from "../../core/log";
import { loadConfig } from "../config";
import { loadLimits } from "../limits/config";
import { type PurgeRun, RetentionSchedule } from "../retention/schedule";
import { ShardRouter } from "../routing";
import {
  type Commands,
  type DueTimer,
  fail,
  ok,
  type Result,
  read,
  type SagaContext,
  saga,
  write,
} from "../runtime";
import { ServiceShard } from "../service-shard";
import { FAMILIES } from "../visibility/metrics/catalog";
import type { OrderItem, OrderRequest, OrdersProtocol, OrderView } from "./protocol";
import { createRetentionIndex, purgeOrders } from "./retention";
import {
  attempt,
  holdConfirmed,
  holdIdOf,
  holdPlaced,
  holdReleased,
  SAGA_TIMEOUT_MS,
  type StepOutcome,
  sagaInventory,
} from "./saga";
import {
  type ItemProgress,
  type OrderRecord,
  OrderStore,
  orderView,
  type SagaPhase,
} from "./store";

/** Saga holds outlive the saga by a wide margin, so a committed order's holds are still there. */
const HOLD_TTL_SECONDS = 900;
const RETRY = { capMs: 30_000 };

const SAGA_TIMER = "saga:";
const INTAKE_TIMER = "intake:";

/**
 * One orders shard. An order is a saga over inventory shards: hold every item (hold ids
 * derived from the order id, so each step is idempotent), confirm all when all are held,
 * release everything acquired when any is refused. Every transition is an atomic step and a
 * resume timer is armed from the first one, so a crash anywhere converges to `confirmed` or
 * `rejected`. An order is confirmed at most once: confirmation happens only in `committing`,
 * entered once.
 */
export class OrderShard extends ServiceShard<OrdersProtocol> {
  protected readonly service = "orders" as const;
  #store!: OrderStore;
  #router!: ShardRouter;
  /** One saga run per order at a time: a client retry and a timer join the same run. */
  readonly #driving = new Map<string, Promise<Result<OrderView>>>();

  #retention!: RetentionSchedule;

  protected override onStart(): void {
    this.#store = new OrderStore(this.ctx.storage.sql);
    createRetentionIndex(this.ctx.storage.sql);
    this.#retention = new RetentionSchedule(this.timers, loadLimits(this.env).retention);
    this.#router = new ShardRouter(this.env);
    this.#driving.clear();
  }

  /** A queued order the queue never delivered is run by the shard itself after this long. */
  get #intakeSafetyMs(): number {
    return loadLimits(this.env).intakeSafetyMs;
  }

  get #resumeMs(): number {
    return loadConfig(this.env).ordersResumeMs;
  }

  protected readonly commands: Commands<OrdersProtocol> = {
    getOrder: read(({ orderId }: { orderId: string }) => {
      const order = this.#store.get(orderId);
      return order ? ok(orderView(order)) : fail("not-found", `order ${orderId} does not exist`);
    }),

    placeOrder: saga(async (request: OrderRequest, cx) => {
      const found = cx.step(() => this.#open(request, cx.now, "pending"));
      if (!found.ok) return found;
      if (found.value.phase === "queued") return ok(orderView(found.value));
      return this.#drive(request.orderId, cx);
    }),

    enqueueOrder: write(
      (request: OrderRequest, cx) => {
        const existed = this.#store.get(request.orderId) !== undefined;
        const found = this.#open(request, cx.now, "queued");
        return found.ok ? ok({ order: orderView(found.value), created: !existed }) : found;
      },
      { intake: true },
    ),

    processQueued: saga(async (request: OrderRequest, cx) => {
      const found = cx.step((): Result<OrderRecord> => {
        // Only orders recorded at intake run: a withdrawn one was answered 503 (nothing
        // created) and must not come back from a message that got through anyway.
        const order = this.#store.get(request.orderId);
        if (!order) return fail("not-found", `order ${request.orderId} was never queued`);
        if (order.fingerprint !== request.fingerprint)
          return fail("idempotency-key-reused", "another order holds this key");
        return ok(this.#promote(order, Date.now()));
      });
      if (!found.ok) return found;
      return this.#drive(request.orderId, cx);
    }),

    withdrawQueued: write(
      ({ orderId }: { orderId: string }): Result<{ withdrawn: boolean }> => {
        const order = this.#store.get(orderId);
        // Promised to another request (a retry answered 202): kept, its intake timer runs it.
        if (order?.phase !== "queued" || this.#store.promised(orderId)) {
          return ok({ withdrawn: false });
        }
        this.#store.delete(orderId);
        this.timers.cancel(INTAKE_TIMER + orderId);
        return ok({ withdrawn: true });
      },
      { intake: true },
    ),

    rejectQueued: write(
      ({ orderId, reason, fingerprint }: OrdersProtocol["rejectQueued"]["payload"], cx) => {
        const order = this.#store.get(orderId);
        if (!order) return fail("not-found", `order ${orderId} does not exist`);
        // Another body's order under the id (this message's was withdrawn, the key reused):
        // its own message is still live, so this one rejects nothing. A reuse with the same
        // body cannot be told apart from the message's own order: it is rejected.
        const other = fingerprint !== undefined && fingerprint !== order.fingerprint;
        if (order.phase !== "queued" || other) return ok(orderView(order));
        this.#store.unpromise(orderId);
        return ok(orderView(this.#finish(order, "rejected", reason, cx.now)));
      },
      { intake: true },
    ),
  };

  /** Finds the order of this key, or creates it `queued` or `pending` with its timers. */
  #open(request: OrderRequest, now: number, as: "queued" | "pending"): Result<OrderRecord> {
    const existing = this.#store.get(request.orderId);
    if (existing) {
      if (existing.fingerprint !== request.fingerprint) {
        return fail(
          "idempotency-key-reused",
          "this Idempotency-Key was already used for an order with different items",
        );
      }
      // This request is answered with a queued order another one recorded: it must not be
      // withdrawn under it (`withdrawQueued`) if the recording request's queue send fails.
      if (existing.phase === "queued") this.#store.promise(existing.orderId);
      return ok(existing);
    }
    const order = this.#store.save({
      orderId: request.orderId,
      status: as,
      phase: as === "queued" ? "queued" : "acquiring",
      items: request.items,
      progress: Object.fromEntries(request.items.map((i) => [i.sku, "pending" as ItemProgress])),
      reason: null,
      fingerprint: request.fingerprint,
      createdAt: now,
      updatedAt: now,
      startedAt: as === "queued" ? null : now,
      attempts: 0,
    });
    if (as === "queued") {
      this.timers.schedule(INTAKE_TIMER + order.orderId, now + this.#intakeSafetyMs);
      this.count(FAMILIES.orders.name, { status: "queued" });
    } else this.timers.schedule(SAGA_TIMER + order.orderId, now + this.#resumeMs);
    return ok(order);
  }

  /** A queued order starts its saga. */
  #promote(order: OrderRecord, now: number): OrderRecord {
    if (order.phase !== "queued") return order;
    this.#store.unpromise(order.orderId);
    this.timers.cancel(INTAKE_TIMER + order.orderId);
    this.timers.schedule(SAGA_TIMER + order.orderId, now + this.#resumeMs);
    return this.#store.save({
      ...order,
      status: "pending",
      phase: "acquiring",
      startedAt: now,
      updatedAt: now,
    });
  }

  #drive(orderId: string, cx: SagaContext): Promise<Result<OrderView>> {
    const running = this.#driving.get(orderId);
    if (running) return running;
    const run = this.#run(orderId, cx).finally(() => {
      if (this.#driving.get(orderId) === run) this.#driving.delete(orderId);
    });
    this.#driving.set(orderId, run);
    return run;
  }

  /** Advances the saga phase by phase until it is final or has to wait for a retry. */
  async #run(orderId: string, cx: SagaContext): Promise<Result<OrderView>> {
    for (;;) {
      const order = this.#store.get(orderId);
      if (!order) throw new Error(`order ${orderId} vanished mid-saga`);
      if (order.phase === "final" || order.phase === "queued") return ok(orderView(order));
      const { from, to, judge } = PHASES[order.phase];
      const items = order.items.filter((i) => order.progress[i.sku] === from);
      const outcomes = await Promise.all(
        items.map((item) => attempt(() => this.#step(order, item), judge)),
      );
      const next = cx.step(() => this.#record(orderId, items, outcomes, to, Date.now()));
      if (next.phase === order.phase) return ok(orderView(next)); // must wait for a retry
    }
  }

  /**
   * One inventory step. Acquiring is new work and passes the inventory shard's admission;
   * confirming and compensating finish work already accepted, so they use the reserved lane:
   * load must never strand an order between its decision and its end.
   */
  #step(order: OrderRecord, item: OrderItem) {
    const holdId = holdIdOf(order.orderId, item.sku);
    const inventory = this.#router.inventory(item.sku);
    if (order.phase === "acquiring") {
      const hold = { ...item, ttlSeconds: HOLD_TTL_SECONDS, holdId };
      return sagaInventory(this.#router).placeHold(item.sku, hold);
    }
    const finishing = { reserved: true };
    if (order.phase === "committing") {
      return inventory.call("confirmHold", { sku: item.sku, holdId }, finishing);
    }
    return inventory.call("releaseHold", { sku: item.sku, holdId, compensate: true }, finishing);
  }

  /** Applies one round of step outcomes atomically and decides the next phase. */
  #record(
    orderId: string,
    items: readonly OrderItem[],
    outcomes: readonly StepOutcome[],
    done: ItemProgress,
    now: number,
  ): OrderRecord {
    const order = this.#store.get(orderId);
    if (!order) throw new Error(`order ${orderId} vanished mid-saga`);
    const progress = { ...order.progress };
    items.forEach((item, i) => {
      if (outcomes[i]?.kind === "done") progress[item.sku] = done;
    });
    const refused = outcomes.find((o) => o.kind === "refused");
    const transient = outcomes.find((o) => o.kind === "transient");
    const updated = { ...order, progress, updatedAt: now };

    if (order.phase === "acquiring" && refused) return this.#compensate(updated, refused.code, now);
    if (order.phase === "committing" && refused) {
      // Only reachable if holds expired between the decision and confirmation (inventory
      // unreachable for longer than the hold margin): undo what can still be undone.
      logEvent("error", "order-confirmation-refused", { orderId, code: refused.code });
      return this.#compensate(updated, "hold-expired", now);
    }
    if (transient) {
      if (
        order.phase === "acquiring" &&
        now - (order.startedAt ?? order.createdAt) > SAGA_TIMEOUT_MS
      ) {
        return this.#compensate(updated, transient.code, now);
      }
      const attempts = order.attempts + 1;
      const retryAt =
        now + Math.max(this.#resumeMs, exponential(attempts, { baseMs: this.#resumeMs, ...RETRY }));
      this.timers.schedule(SAGA_TIMER + orderId, retryAt);
      return this.#store.save({ ...updated, attempts });
    }
    const phase = order.phase;
    if (phase === "acquiring") return this.#store.save({ ...updated, phase: "committing" });
    if (phase === "committing") return this.#finish(updated, "confirmed", null, now);
    return this.#finish(updated, "rejected", order.reason ?? "rejected", now);
  }

  #compensate(order: OrderRecord, reason: string, now: number): OrderRecord {
    const progress = { ...order.progress };
    for (const sku of Object.keys(progress)) {
      // Every item is given back: pending holds may have landed without us hearing, and a
      // confirmed one (its sibling's hold expired before confirmation) is reversed.
      progress[sku] = "held";
    }
    return this.#store.save({ ...order, progress, phase: "compensating", reason, updatedAt: now });
  }

  #finish(
    order: OrderRecord,
    status: "confirmed" | "rejected",
    reason: string | null,
    now: number,
  ) {
    this.timers.cancel(SAGA_TIMER + order.orderId);
    this.timers.cancel(INTAKE_TIMER + order.orderId);
    this.count(FAMILIES.orders.name, { status });
    this.#retention.finished(now + loadLimits(this.env).retention.ordersMs);
    return this.#store.save({ ...order, status, reason, phase: "final", updatedAt: now });
  }

  /**
   * One retention batch as of `now` (the retention timer runs it with the current time;
   * tests pass a later clock to age rows without waiting).
   */
  async purgeFinished(now = Date.now()): Promise<PurgeRun> {
    return this.ctx.storage.transactionSync(() =>
      purgeOrders(this.ctx.storage.sql, loadLimits(this.env).retention, now),
    );
  }

  protected override async onTimer(timer: DueTimer, cx: SagaContext): Promise<void> {
    if (timer.name === RetentionSchedule.TIMER) {
      cx.step(() => {
        const now = Date.now();
        this.#retention.ran(
          purgeOrders(this.ctx.storage.sql, loadLimits(this.env).retention, now),
          now,
        );
      });
      return;
    }
    const [kind, orderId] = [
      timer.name.slice(0, timer.name.indexOf(":") + 1),
      timer.name.slice(timer.name.indexOf(":") + 1),
    ];
    if (kind === INTAKE_TIMER) {
      cx.step(() => {
        const order = this.#store.get(orderId);
        if (order) this.#promote(order, Date.now());
      });
    } else if (kind !== SAGA_TIMER) {
      throw new Error(`unknown timer ${timer.name}`);
    }
    await this.#drive(orderId, cx);
  }
}

/** Per phase: which items it works on, what they become, and how a reply is judged. */
const PHASES: Record<
  Exclude<SagaPhase, "queued" | "final">,
  { from: ItemProgress; to: ItemProgress; judge: typeof holdPlaced }
> = {
  acquiring: { from: "pending", to: "held", judge: holdPlaced },
  committing: { from: "held", to: "confirmed", judge: holdConfirmed },
  compensating: { from: "held", to: "released", judge: holdReleased },
};
