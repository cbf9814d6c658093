import { type Failure, fail, ok, type Result } from "../../runtime";
import type { AllocationMove, InventoryProtocol, Placement } from "../protocol";
import { type SkuRow, skuView } from "../store";
import type { SpreadHost } from "./host";
import { yieldAmount } from "./placement";
import type { SpreadStore } from "./store";

/** A transfer's move record outlives any resume of its transfer by far (one day). */
export const MOVE_KEEP_MS = 24 * 60 * 60 * 1000;

type Payload<C extends keyof InventoryProtocol> = InventoryProtocol[C]["payload"];

/**
 * The sub-shard side of hot SKUs, in every inventory shard: an ordinary SKU row whose
 * `stock` is this sub-shard's allocation, moves of allocation in and out (each once per
 * transfer id, atomic with the row), and the answers that send a hold elsewhere.
 */
export class SubShardSide {
  readonly #host: SpreadHost;
  readonly #store: SpreadStore;
  /** sku → the sub-shard this object serves it as (loaded at start, kept with writes). */
  readonly #members: Map<string, number>;

  constructor(host: SpreadHost, store: SpreadStore) {
    this.#host = host;
    this.#store = store;
    this.#members = store.members();
  }

  /** The sub-shard index this object holds of `sku`, or `null` if it is not spread here. */
  memberIndex(sku: string): number | null {
    return this.#members.get(sku) ?? null;
  }

  /** Marks this object as sub-shard `subShard` of `sku` (in the current transaction). */
  join(sku: string, subShard: number): void {
    if (this.#members.get(sku) === subShard) return;
    this.#store.join(sku, subShard);
    this.#members.set(sku, subShard);
  }

  /**
   * A hold without a sub-shard that reached a spread sku's home (its sender did not know
   * the sku is spread): `placement-moved` with the placement, kept by no idempotency record.
   */
  redirect(p: Payload<"placeHold">, placement: Placement | undefined): Failure | null {
    if (p.subShard !== undefined || !placement?.spread) return null;
    return fail("placement-moved", `${p.sku} is spread over ${placement.subShards} sub-shards`, {
      data: placement,
      unrecorded: true,
    });
  }

  /**
   * A sub-shard that cannot cover a hold asks its caller to rebalance and retry
   * (`allocation-short`, not recorded), unless this is the caller's last try.
   */
  short(p: Payload<"placeHold">, available: number): Failure | null {
    if (p.subShard === undefined || p.last) return null;
    return fail(
      "allocation-short",
      `sub-shard ${p.subShard} of ${p.sku} has ${available} of the ${p.quantity} units asked`,
      { data: { available }, unrecorded: true },
    );
  }

  /** Donor side: gives up to `yieldAmount` free units, once per transfer. */
  yieldAllocation(p: Payload<"yieldAllocation">, now: number): Result<AllocationMove> {
    const row = this.#host.current(p.sku, now);
    const done = this.#store.move(p.transferId);
    if (done !== undefined) return ok({ amount: done, part: row ? skuView(row) : null });
    const give = row ? yieldAmount(row.stock - row.held - row.sold, p.want, p.all) : 0;
    const part =
      row && give > 0
        ? this.#host.saveSku(row, { ...row, stock: row.stock - give }, now)
        : row && skuView(row);
    this.#store.saveMove(p.transferId, give, now, MOVE_KEEP_MS);
    return ok({ amount: give, part: part ?? null });
  }

  /** Receiving side: adds `amount` to this sub-shard's allocation, once per transfer. */
  acceptAllocation(p: Payload<"acceptAllocation">, now: number): Result<AllocationMove> {
    const row = this.#host.current(p.sku, now);
    const done = this.#store.move(p.transferId);
    if (done !== undefined) return ok({ amount: done, part: row ? skuView(row) : null });
    this.join(p.sku, p.subShard);
    const base: SkuRow = row ?? { sku: p.sku, stock: 0, held: 0, sold: 0, version: 0 };
    const part = this.#host.saveSku(row, { ...base, stock: base.stock + p.amount }, now);
    this.#store.saveMove(p.transferId, p.amount, now, MOVE_KEEP_MS);
    return ok({ amount: p.amount, part });
  }
}
