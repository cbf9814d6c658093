import { logEvent } from "../../../core/log";
import {
  type ActorRef,
  type DueTimer,
  fail,
  ok,
  type Result,
  type SagaContext,
} from "../../runtime";
import type { AllocationMove, InventoryProtocol, RebalanceOutcome } from "../protocol";
import type { Coordinator } from "./coordinator";
import { donorOrder } from "./placement";
import type { SpreadStore, TransferRow } from "./store";
import type { SubShardSide } from "./sub-shard";

/** Timers that finish an interrupted transfer are named this plus the transfer id. */
export const TRANSFER_TIMER = "spread-transfer:";

/** Shortest time between two "ask every sub-shard" sweeps of one sku. */
const SWEEP_EVERY_MS = 1000;
/** Skus whose last sweep time one coordinator object remembers. */
const SWEEPS_KEPT = 1000;
/** A transfer not finished this long after it started is driven by its timer (1 s). */
export const TRANSFER_RESUME_MS = 1000;
/** Finished transfers stay in the ledger this long (one day), for inspection. */
const KEEP_MS = 24 * 60 * 60 * 1000;

/** What the rebalancer needs besides the store: timers and the other sub-shards. */
export interface RebalanceDeps {
  readonly store: SpreadStore;
  readonly side: SubShardSide;
  readonly coordinator: Coordinator;
  readonly timers: {
    schedule(name: string, dueAt: number, payload?: unknown): void;
    cancel(name: string): void;
  };
  /** Sub-shard `subShard` of `sku` (never 0: that is this object). */
  readonly remote: (sku: string, subShard: number) => ActorRef<InventoryProtocol>;
}

const sum = (taken: Readonly<Record<string, number>>) =>
  Object.values(taken).reduce((a, b) => a + b, 0);

const unreachable = (sku: string, subShard: number) =>
  fail(
    "service-unavailable",
    `sub-shard ${subShard} of ${sku} could not be reached; the stock moving is finished later`,
    { retryAfterMs: 1000 },
  );

/**
 * Moves free allocation to a sub-shard that ran short: a saga of atomic steps over the
 * coordinator's ledger. (1) the transfer and its donors are recorded, with a resume timer;
 * (2) each donor in turn yields units (idempotent by transfer id, atomic on the donor) and
 * the ledger records what it gave; (3) the target accepts the sum (idempotent) and the
 * transfer is done. Units taken and not yet given are in flight: in no allocation, never
 * counted twice. A crash anywhere leaves the ledger where the timer picks it up.
 */
export class Rebalancer {
  readonly #deps: RebalanceDeps;
  /** One run per transfer at a time: a live call and its timer join the same run. */
  readonly #driving = new Map<string, Promise<Result<number>>>();
  /** The transfer running for each `sku#target`: concurrent shortfalls join it. */
  readonly #byTarget = new Map<string, Promise<Result<number>>>();
  /** When each sku's sub-shards were last all asked (see `rebalance`); bounded by `SWEEPS_KEPT`. */
  readonly #sweptAt = new Map<string, number>();

  constructor(deps: RebalanceDeps) {
    this.#deps = deps;
  }

  /**
   * Moves at least `want` units to `target` if the other sub-shards have them free.
   * `exhausted` when nothing moved, and no other transfer of the sku was under way.
   */
  async rebalance(
    p: InventoryProtocol["rebalance"]["payload"],
    cx: SagaContext,
  ): Promise<Result<RebalanceOutcome>> {
    const row = this.#deps.coordinator.row(p.sku);
    if (!row) return fail("not-found", `sku ${p.sku} is not spread`);
    const key = `${p.sku}#${p.target}`;
    const joined = this.#byTarget.get(key);
    if (joined) {
      const moved = await joined;
      return moved.ok ? ok({ moved: moved.value, exhausted: false }) : moved;
    }
    const others = () => [...this.#byTarget].filter(([k]) => k.startsWith(`${p.sku}#`));
    const before = others().map(([, run]) => run);
    const parts = this.#deps.store.parts(p.sku);
    const rest = [...Array(row.highest).keys()].filter((i) => i !== p.target);
    const donors = donorOrder(p.target, row.k, row.highest, (i) => parts.get(i)?.available ?? 0);
    // The parts are what sub-shards last reported; a lost report would make a sub-shard with
    // free units look empty forever. Before "exhausted", every other sub-shard is asked once
    // (a yield of nothing costs a round trip, so at most once a second per sku).
    const swept = donors.length === 0 && this.#sweepDue(p.sku, Date.now());
    const busy = () =>
      before.length > 0 || others().length > 0 || this.#deps.store.openTransfers(p.sku).length > 0;
    let moved: Result<number> = ok(0);
    if (donors.length > 0 || swept) {
      moved = await this.#transfer(key, p, swept ? rest : donors, cx);
      if (!moved.ok) return moved;
      // The donors the reports named had nothing: those reports were stale, so the others'
      // may be too. They are asked before "exhausted" (not throttled: this is the rare case
      // of a stale report, not a sold-out sku's steady state, where every part reads empty).
      const unasked = rest.filter((i) => !donors.includes(i));
      if (moved.value === 0 && !swept && unasked.length > 0) {
        this.#noteSweep(p.sku, Date.now());
        moved = await this.#transfer(key, p, unasked, cx);
        if (!moved.ok) return moved;
      }
    }
    if (moved.value > 0) return ok({ moved: moved.value, exhausted: false });
    const waiting = busy();
    await Promise.allSettled(before);
    return ok({ moved: 0, exhausted: !waiting });
  }

  /** One transfer to `p.target` from `donors`, run to its end; concurrent shortfalls join it. */
  async #transfer(
    key: string,
    p: InventoryProtocol["rebalance"]["payload"],
    donors: number[],
    cx: SagaContext,
  ): Promise<Result<number>> {
    const id = crypto.randomUUID();
    const transfer = cx.step(() => this.#open(id, p, donors, Date.now()));
    const run = this.#drive(transfer.id, cx);
    this.#byTarget.set(key, run);
    return run.finally(() => {
      if (this.#byTarget.get(key) === run) this.#byTarget.delete(key);
    });
  }

  /** True (and noted) when `sku`'s sub-shards were not all asked within `SWEEP_EVERY_MS`. */
  #sweepDue(sku: string, now: number): boolean {
    const last = this.#sweptAt.get(sku);
    if (last !== undefined && now - last < SWEEP_EVERY_MS) return false;
    this.#noteSweep(sku, now);
    return true;
  }

  /** Notes that every other sub-shard of `sku` was just asked. */
  #noteSweep(sku: string, now: number): void {
    this.#sweptAt.delete(sku);
    this.#sweptAt.set(sku, now);
    for (const oldest of this.#sweptAt.keys()) {
      if (this.#sweptAt.size <= SWEEPS_KEPT) break;
      this.#sweptAt.delete(oldest);
    }
  }

  /** The transfer timer: finishes the transfer, or tries again later if a sub-shard is away. */
  async resume(timer: DueTimer, cx: SagaContext): Promise<void> {
    const id = timer.name.slice(TRANSFER_TIMER.length);
    if (!this.#deps.store.transfer(id)) return;
    const done = await this.#drive(id, cx);
    if (!done.ok) {
      cx.step(() => this.#deps.timers.schedule(timer.name, Date.now() + 2 * TRANSFER_RESUME_MS));
    }
  }

  #open(
    id: string,
    p: InventoryProtocol["rebalance"]["payload"],
    donors: number[],
    now: number,
  ): TransferRow {
    this.#deps.timers.schedule(TRANSFER_TIMER + id, now + TRANSFER_RESUME_MS);
    return this.#deps.store.saveTransfer(
      {
        id,
        sku: p.sku,
        target: p.target,
        want: p.want,
        donors,
        taken: {},
        asking: donors[0] ?? null,
        state: donors.length > 0 ? "collecting" : "giving",
        createdAt: now,
      },
      now,
      KEEP_MS,
    );
  }

  #drive(id: string, cx: SagaContext): Promise<Result<number>> {
    const running = this.#driving.get(id);
    if (running) return running;
    const run = this.#run(id, cx).finally(() => {
      if (this.#driving.get(id) === run) this.#driving.delete(id);
    });
    this.#driving.set(id, run);
    return run;
  }

  async #run(id: string, cx: SagaContext): Promise<Result<number>> {
    for (;;) {
      const t = this.#deps.store.transfer(id);
      if (!t) throw new Error(`transfer ${id} vanished from the ledger`);
      if (t.state === "done") return ok(sum(t.taken));
      if (t.state === "collecting" && t.asking !== null) {
        const donor = t.asking;
        const move = await this.#yieldFrom(t, donor, cx);
        if (!move.ok) return move;
        cx.step(() => this.#taken(id, donor, move.value, Date.now()));
        continue;
      }
      const amount = sum(t.taken);
      const given = amount > 0 ? await this.#giveTo(t, amount, cx) : ok({ amount, part: null });
      if (!given.ok) return given;
      cx.step(() => this.#done(id, given.value, Date.now()));
      return ok(amount);
    }
  }

  /** Records what `donor` gave and who is asked next (none once `want` is covered). */
  #taken(id: string, donor: number, move: AllocationMove, now: number): void {
    const t = this.#deps.store.transfer(id);
    if (!t || t.asking !== donor) return; // a joined run recorded it already
    const taken = { ...t.taken, [donor]: move.amount };
    const next = sum(taken) >= t.want ? null : (t.donors[t.donors.indexOf(donor) + 1] ?? null);
    this.#deps.store.saveTransfer(
      { ...t, taken, asking: next, state: next === null ? "giving" : "collecting" },
      now,
      KEEP_MS,
    );
    if (move.part) this.#deps.coordinator.notePart(t.sku, donor, move.part, now);
  }

  #done(id: string, move: AllocationMove, now: number): void {
    const t = this.#deps.store.transfer(id);
    if (!t || t.state === "done") return;
    this.#deps.store.saveTransfer({ ...t, state: "done" }, now, KEEP_MS);
    this.#deps.timers.cancel(TRANSFER_TIMER + id);
    if (move.part) this.#deps.coordinator.notePart(t.sku, t.target, move.part, now);
    this.#deps.coordinator.evaluate(t.sku, now);
  }

  async #yieldFrom(
    t: TransferRow,
    donor: number,
    cx: SagaContext,
  ): Promise<Result<AllocationMove>> {
    const k = this.#deps.coordinator.row(t.sku)?.k ?? 1;
    const payload = { sku: t.sku, transferId: t.id, want: t.want - sum(t.taken), all: donor >= k };
    if (donor === 0) return cx.step(() => this.#deps.side.yieldAllocation(payload, Date.now()));
    return this.#remote(t.sku, donor, (ref) =>
      ref.call("yieldAllocation", payload, { reserved: true }),
    );
  }

  async #giveTo(t: TransferRow, amount: number, cx: SagaContext): Promise<Result<AllocationMove>> {
    const payload = { sku: t.sku, transferId: t.id, amount, subShard: t.target };
    if (t.target === 0) return cx.step(() => this.#deps.side.acceptAllocation(payload, Date.now()));
    return this.#remote(t.sku, t.target, (ref) =>
      ref.call("acceptAllocation", payload, { reserved: true }),
    );
  }

  /** One call to another sub-shard; a throw or a failure leaves the transfer to its timer. */
  async #remote(
    sku: string,
    subShard: number,
    send: (ref: ActorRef<InventoryProtocol>) => Promise<Result<AllocationMove>>,
  ): Promise<Result<AllocationMove>> {
    try {
      const reply = await send(this.#deps.remote(sku, subShard));
      if (reply.ok) return ok(reply.value);
      logEvent("warn", "allocation-move-refused", { sku, subShard, code: reply.code });
    } catch (error) {
      logEvent("warn", "allocation-move-failed", { sku, subShard, error: String(error) });
    }
    return unreachable(sku, subShard);
  }
}
