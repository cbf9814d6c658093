import { loadLimits } from "../limits/config";
import { type PurgeRun, RetentionSchedule } from "../retention/schedule";
import type { DueTimer, SagaContext } from "../runtime";
import { type Commands, fail, ok, type Result, read, write } from "../runtime";
import { ServiceShard } from "../service-shard";
import { stockFeedRelay } from "../stock-feed/address";
import { StockAlarmReporter } from "../visibility/alarms/stock-alarms";
import { FAMILIES } from "../visibility/metrics/catalog";
import { EXPIRY_BATCH, HoldExpiry } from "./hold-expiry";
import { refuseHoarding } from "./hold-policy";
import type { HoldView, InventoryProtocol, SkuView, StockEvent } from "./protocol";
import { purgeInventory } from "./retention";
import { hotSkuCommands } from "./spread/commands";
import { defaultSubShards } from "./spread/config";
import { HotSkus } from "./spread/hot-skus";
import { newHoldId } from "./spread/placement";
import { TRANSFER_TIMER } from "./spread/rebalance";
import { StockFeed } from "./stock-feed";
import { type HoldRow, holdView, InventoryStore, type SkuRow, skuView } from "./store";

const notFound = (what: string) => fail("not-found", `${what} does not exist`);
const depleted = (row: SkuRow | undefined) =>
  row !== undefined && row.stock > 0 && row.stock - row.held - row.sold === 0;

/**
 * One inventory shard: the SKUs whose key hashes here, their holds, and live stock events.
 * Holds expire on their own through runtime timers; an expired hold's quantity returns to
 * `available`. Every change bumps the SKU's version and is published to the sku's relay
 * (`StockFeedRelay`), which holds its WebSocket listeners.
 */
export class InventoryShard extends ServiceShard<InventoryProtocol> {
  protected readonly service = "inventory" as const;
  #store!: InventoryStore;
  /** SKUs changed by the current message; published once it commits. */
  readonly #changed = new Set<string>();
  /** `stock-depleted` edges of the current message; reported once it commits. */
  #stockAlarms!: StockAlarmReporter;

  #retention!: RetentionSchedule;
  #feed: StockFeed | undefined;
  #expiry!: HoldExpiry;
  /** Hot SKUs spread over sub-shards (`spread/`). */
  #hot!: HotSkus;

  protected override onStart(): void {
    this.#store = new InventoryStore(this.ctx.storage.sql);
    const store = this.#store;
    this.#feed = new StockFeed({
      view: (sku) => {
        // A spread sku's listeners get its coordinator's aggregate only: a sub-shard's own
        // part (sub-shard i > 0) is not the sku, and its versions would outrank the sum's.
        if ((this.#hot.side.memberIndex(sku) ?? 0) > 0) return undefined;
        const row = store.sku(sku);
        return this.#hot.coordinator.view(sku) ?? (row ? skuView(row) : undefined);
      },
      relay: (sku) => stockFeedRelay(this.env.STOCK_FEED, sku),
      later: (fn, ms) => setTimeout(fn, ms),
      keep: (promise) => this.ctx.waitUntil(promise),
    });
    this.#retention = new RetentionSchedule(this.timers, loadLimits(this.env).retention);
    this.#changed.clear();
    this.#stockAlarms = new StockAlarmReporter(this.env);
    this.#expiry = new HoldExpiry(this.timers);
    this.#expiry.start(store.earliestActiveExpiry());
    this.#hot = new HotSkus(
      {
        store,
        current: (sku, now) => this.#current(sku, now),
        saveSku: (before, after, now) => this.#saveSku(before, after, now),
        depletedEdge: (sku, depleted, now) => this.#depletedEdge(sku, depleted, now),
        changed: (sku) => this.#changed.add(sku),
        recordedReply: (key, fingerprint) => this.recordedReply(key, fingerprint),
      },
      this.ctx.storage.sql,
      this.env,
      this.timers,
    );
  }

  protected readonly commands: Commands<InventoryProtocol> = {
    getSku: read(({ sku, gather }: InventoryProtocol["getSku"]["payload"]) => {
      const spread = this.#hot.coordinator.view(sku);
      const placement = spread && gather && this.#hot.coordinator.placement(sku);
      if (placement) {
        return fail("placement-moved", `${sku} is spread over sub-shards`, { data: placement });
      }
      if (spread) return ok(spread);
      const row = this.#store.sku(sku);
      return row ? ok(skuView(row)) : notFound(`sku ${sku}`);
    }),

    putSku: write(({ sku, stock, last = false }: InventoryProtocol["putSku"]["payload"], cx) => {
      if (this.#hot.coordinator.row(sku))
        return this.#hot.coordinator.putTotal(sku, stock, last, cx.now);
      const row = this.#current(sku, cx.now);
      if (row && stock < row.held + row.sold) {
        return fail(
          "stock-below-committed",
          `stock ${stock} is below the ${row.held} held and ${row.sold} sold units of ${sku}`,
        );
      }
      const saved = this.#saveSku(
        row,
        { sku, stock, held: row?.held ?? 0, sold: row?.sold ?? 0, version: row?.version ?? 0 },
        cx.now,
      );
      const k = row ? 1 : defaultSubShards(this.#hot.config, sku);
      if (k > 1) this.#hot.coordinator.setPlacement(sku, k, cx.now);
      return ok(this.#hot.coordinator.view(sku) ?? saved);
    }),

    placeHold: write((p: InventoryProtocol["placeHold"]["payload"], cx) => {
      if (p.holdId !== undefined) {
        const existing = this.#store.hold(p.holdId);
        if (existing) return ok(holdView(existing));
      }
      // Only a spread sku's home can redirect (a plain sku costs no query here).
      const spread = this.#hot.coordinator.row(p.sku) !== undefined;
      const moved = spread && this.#hot.side.redirect(p, this.#hot.coordinator.placement(p.sku));
      if (moved) return moved;
      const row = this.#current(p.sku, cx.now);
      if (!row && p.subShard !== undefined) {
        // A sub-shard that never had allocation of this spread sku.
        return (
          this.#hot.side.short(p, 0) ?? fail("insufficient-stock", `no units of ${p.sku} left`)
        );
      }
      if (!row) return notFound(`sku ${p.sku}`);
      return this.#placeHold(p, row, cx.now);
    }),

    getHold: read(({ sku, holdId }: { sku: string; holdId: string }) => {
      const hold = this.#store.hold(holdId);
      return hold && hold.sku === sku ? ok(holdView(hold)) : notFound(`hold ${holdId} of ${sku}`);
    }),

    confirmHold: write(({ sku, holdId }: { sku: string; holdId: string }, cx) =>
      this.#settle(sku, holdId, "confirmed", cx.now),
    ),

    ...hotSkuCommands(
      () => this.#hot,
      () => this.#store,
    ),

    releaseHold: write((p: InventoryProtocol["releaseHold"]["payload"], cx) => {
      if (p.compensate) {
        const hold = this.#store.hold(p.holdId);
        // No such sku: no stock a late duplicate could take, so nothing is written for it.
        if (!hold && !this.#store.sku(p.sku)) return notFound(`sku ${p.sku}`);
        if (!hold) {
          const tomb = {
            hold_id: p.holdId,
            sku: p.sku,
            quantity: 0,
            status: "released" as const,
            expires_at: cx.now,
          };
          return ok(holdView(this.#store.insertHold(tomb)));
        }
        if (hold.status === "confirmed") return ok(this.#reverse(hold, cx.now));
      }
      return this.#settle(p.sku, p.holdId, "released", cx.now);
    }),
  };

  /**
   * Places a hold on a sku that has a row. Refusals in the contract's order: the client's
   * limits (`hold-too-large`, `client-hold-limit`), then stock (a sub-shard's `short`, or
   * `insufficient-stock`).
   */
  #placeHold(p: InventoryProtocol["placeHold"]["payload"], row: SkuRow, now: number) {
    const refused = refuseHoarding(this.#store.clientTotals, loadLimits(this.env).holds, p, now);
    if (refused) return refused;
    const available = row.stock - row.held - row.sold;
    if (p.quantity > available) {
      return (
        this.#hot.side.short(p, available) ??
        fail(
          "insufficient-stock",
          `${p.quantity} units of ${p.sku} requested, ${available} available`,
        )
      );
    }
    const hold = this.#store.insertHold({
      hold_id: p.holdId ?? newHoldId(p.subShard),
      sku: p.sku,
      quantity: p.quantity,
      status: "active",
      expires_at: now + p.ttlSeconds * 1000,
      client: p.client ?? null,
    });
    this.#saveSku(row, { ...row, held: row.held + p.quantity }, now);
    this.#expiry.placed(hold.expires_at);
    this.count(FAMILIES.holds.name, { outcome: "placed" });
    return ok(holdView(hold));
  }

  /** Confirms or releases an active hold; repeating the same settlement is a no-op. */
  #settle(
    sku: string,
    holdId: string,
    to: "confirmed" | "released",
    now: number,
  ): Result<HoldView> {
    const row = this.#current(sku, now);
    const hold = this.#store.hold(holdId);
    if (!hold || hold.sku !== sku) return notFound(`hold ${holdId} of ${sku}`);
    if (hold.status === to) return ok(holdView(hold));
    if (hold.status !== "active") {
      return fail("hold-not-active", `hold ${holdId} is ${hold.status}, so it cannot be ${to}`);
    }
    if (!row) throw new Error(`hold ${holdId} refers to missing sku ${sku}`);
    const held = row.held - hold.quantity;
    this.#saveSku(
      row,
      { ...row, held, sold: to === "confirmed" ? row.sold + hold.quantity : row.sold },
      now,
    );
    this.count(FAMILIES.holds.name, { outcome: to });
    if (to === "confirmed") this.count(FAMILIES.unitsSold.name, {}, hold.quantity);
    return ok(holdView(this.#store.settleHold(hold, to)));
  }

  /** Compensation of a saga that sold an item it must give back: sold units return. */
  #reverse(hold: HoldRow, now: number): HoldView {
    const row = this.#store.sku(hold.sku);
    if (!row) throw new Error(`hold ${hold.hold_id} refers to missing sku ${hold.sku}`);
    this.#saveSku(row, { ...row, sold: row.sold - hold.quantity }, now);
    // Counted as what it is: a sale given back (counters never go down).
    this.count(FAMILIES.holds.name, { outcome: "reversed" });
    this.count(FAMILIES.unitsReturned.name, {}, hold.quantity);
    return holdView(this.#store.settleHold(hold, "released"));
  }

  /**
   * The SKU row after expiring due holds, so counts never lag an alarm. The shard's due holds
   * go first, one batch soonest first (usually all of them: the timer keeps them few, and a
   * backlog drains with every write); the sku's own are looked for apart only when a full
   * batch may have left some behind (holds are indexed by time, not by sku).
   */
  #current(sku: string, now: number): SkuRow | undefined {
    if (this.#expiry.mayBeDue(now)) {
      const due = this.#store.dueHoldsOfShard(now, EXPIRY_BATCH);
      this.#expire(due, now);
      if (due.length === EXPIRY_BATCH) this.#expire(this.#store.dueHolds(sku, now), now);
      this.#expiry.learned(this.#store.earliestActiveExpiry());
    }
    return this.#store.sku(sku);
  }

  /** Expires due holds; each sku's row is read and written once for all of its holds. */
  #expire(holds: HoldRow[], now: number): void {
    const bySku = Map.groupBy(holds, (hold) => hold.sku);
    for (const [sku, due] of bySku) {
      const row = this.#store.sku(sku);
      if (!row) throw new Error(`holds ${due[0]?.hold_id}… refer to missing sku ${sku}`);
      let released = 0;
      for (const hold of due) {
        this.#store.settleHold(hold, "expired");
        released += hold.quantity;
      }
      this.#saveSku(row, { ...row, held: row.held - released }, now);
      this.count(FAMILIES.holds.name, { outcome: "expired" }, due.length);
    }
  }

  #saveSku(before: SkuRow | undefined, after: SkuRow, now: number): SkuView {
    const saved = this.#store.saveSku(before, after);
    const view = skuView(saved);
    // A sub-shard of a spread sku reports its part; the coordinator decides `stock-depleted`.
    const part = this.#hot.partSaved(view, now);
    if (!part && !depleted(before) && depleted(saved)) {
      this.#store.recordEvent(saved.sku, "stock-depleted", now);
      this.#stockAlarms.edge(saved.sku, true);
    }
    if (!part && depleted(before) && !depleted(saved)) {
      this.#store.recordEvent(saved.sku, "stock-replenished", now);
      this.#stockAlarms.edge(saved.sku, false);
    }
    this.#changed.add(saved.sku);
    const { holdsMs, eventsMs } = loadLimits(this.env).retention;
    this.#retention.finished(now + Math.min(holdsMs, eventsMs));
    return view;
  }

  /** A spread sku's `stock-depleted` edge, decided by its coordinator (this home shard). */
  #depletedEdge(sku: string, isDepleted: boolean, now: number): void {
    this.#store.recordEvent(sku, isDepleted ? "stock-depleted" : "stock-replenished", now);
    this.#stockAlarms.edge(sku, isDepleted);
  }

  protected override onTimer(timer: DueTimer, cx: SagaContext): void | Promise<void> {
    if (timer.name.startsWith(TRANSFER_TIMER)) return this.#hot.rebalancer.resume(timer, cx);
    if (timer.name === RetentionSchedule.TIMER) {
      this.#retention.ran(this.#purge(Date.now()), Date.now());
      return;
    }
    const legacy = timer.name.startsWith(HoldExpiry.LEGACY_PREFIX);
    if (timer.name !== HoldExpiry.TIMER && !legacy) throw new Error(`unknown timer ${timer.name}`);
    // Every due hold of the shard, in the one transaction the runtime runs this timer in.
    const now = Date.now();
    const due = this.#store.dueHoldsOfShard(now, EXPIRY_BATCH);
    this.#expire(due, now);
    this.#expiry.fired(due.length, this.#store.earliestActiveExpiry(), now);
  }

  /** The sku rows in memory may hold a rolled-back write: storage is read again. */
  protected override onReset(): void {
    this.#store?.forget();
  }

  /** Publishing is the feed's, after the reply: a commit only says which skus changed. */
  protected override onCommitted(): void {
    const reported = this.#stockAlarms.flush();
    if (reported) this.ctx.waitUntil(reported);
    const parts = this.#hot.reports.flush();
    if (parts) this.ctx.waitUntil(parts);
    this.#feed?.changed(this.#changed, loadLimits(this.env).feed.tickMs);
    this.#changed.clear();
  }

  #purge(now: number): PurgeRun {
    return purgeInventory(this.ctx.storage.sql, loadLimits(this.env).retention, now);
  }

  /**
   * One retention batch as of `now` (the retention timer runs it with the current time;
   * tests pass a later clock to age rows without waiting).
   */
  async purgeFinished(now = Date.now()): Promise<PurgeRun> {
    return this.ctx.storage.transactionSync(() => this.#purge(now));
  }

  /**
   * The sku's relay has a listener again after answering `silent`: publish the sku again. A
   * shard that has not started (or restarted since) publishes every sku anyway.
   */
  async feedListening(sku: string): Promise<void> {
    this.#feed?.wake(sku, loadLimits(this.env).feed.tickMs);
  }

  /** Edge-triggered stock events of `sku`, oldest first (alarms subscribe to these). */
  async stockEvents(sku: string): Promise<StockEvent[]> {
    return new InventoryStore(this.ctx.storage.sql).events(sku);
  }
}
