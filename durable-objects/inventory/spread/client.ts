import type { ShardAddress, ShardRouter } from "../../routing";
import { type CallDelivery, type CallMeta, fail, type Reply, RuntimeCodes } from "../../runtime";
import type { HoldView, InventoryProtocol, Placement, SkuView } from "../protocol";
import { subShardAddress, subShardRef } from "./address";
import { chooseSubShard, subShardOfHold } from "./placement";
import { PlacementCache } from "./placement-cache";
import { aggregateView } from "./view";

/**
 * How the client reaches a shard: the edge passes its breaker-guarded call, the order saga
 * a plain one. `send` builds a fresh stub each time.
 */
export type ShardCaller = <T>(
  address: ShardAddress,
  delivery: CallDelivery,
  send: (meta: CallMeta) => Promise<Reply<T>>,
) => Promise<Reply<T>>;

/** Rounds of "short → rebalance → retry" before the caller is told to come back. */
const MAX_ROUNDS = 16;

/**
 * Other holds kept taking the units moved to a sub-shard, round after round: nothing was
 * decided (no unit is held, the sku is not sold out), so the answer is a load refusal the
 * client may retry after `Retry-After` (a saga takes it as transient), never a `409`.
 */
const contended = (sku: string) =>
  fail(
    RuntimeCodes.overloaded,
    `the sub-shards of ${sku} are rebalancing under contention; retry shortly`,
    { retryAfterMs: 1000 },
  );

type HoldAsk = Omit<InventoryProtocol["placeHold"]["payload"], "subShard" | "last">;
type HoldCommand = "getHold" | "confirmHold" | "releaseHold";

/** A placement from a `placement-moved` failure's data. */
const movedTo = (reply: Reply<unknown>): Placement | null =>
  !reply.ok && reply.code === "placement-moved" ? (reply.data as Placement) : null;

/**
 * Inventory as a caller sees it, whether a sku is plain or spread over sub-shards: the edge
 * routes and the order saga both use it. It learns a sku's placement from its home (kept
 * ≤ 1 s per isolate), sends each hold to one sub-shard, rebalances when that one runs
 * short, sends hold commands to the sub-shard the hold id names, and gathers one `SkuView`.
 */
export class InventoryClient {
  readonly #router: ShardRouter;
  readonly #call: ShardCaller;
  readonly #cache: PlacementCache;

  constructor(router: ShardRouter, call: ShardCaller, cache = PlacementCache.shared) {
    this.#router = router;
    this.#call = call;
    this.#cache = cache;
  }

  /** The sku's placement, from this isolate's cache when fresh. */
  async placement(sku: string, fresh = false): Promise<Reply<Placement>> {
    const known = fresh ? undefined : this.#cache.get(sku);
    if (known) return { ok: true, value: known };
    const load = () => this.#send(sku, 0, "read", "getPlacement", { sku });
    const reply = fresh ? await load() : await this.#cache.once(sku, load);
    if (reply.ok) this.#cache.set(reply.value);
    return reply;
  }

  /** Admin: sets K; this isolate uses the new placement at once. */
  async setPlacement(
    sku: string,
    subShards: number,
    meta: CallMeta = {},
  ): Promise<Reply<Placement>> {
    const reply = await this.#send(sku, 0, "idempotent", "setPlacement", { sku, subShards }, meta);
    if (reply.ok) this.#cache.set(reply.value);
    return reply;
  }

  /** One `SkuView`: a plain sku's row, or a spread sku's parts gathered (see `#gather`). */
  async getSku(sku: string): Promise<Reply<SkuView>> {
    const placement = await this.placement(sku);
    if (!placement.ok) return placement;
    if (placement.value.spread) return this.#gather(sku);
    const reply = await this.#send(sku, 0, "read", "getSku", { sku, gather: true });
    const moved = movedTo(reply);
    if (!moved) return reply;
    this.#cache.set(moved);
    return this.#gather(sku);
  }

  /** Sets the stock (a spread sku's total; a decrease may first pull stock back to sub-shard 0). */
  async putSku(sku: string, stock: number, meta: CallMeta = {}): Promise<Reply<SkuView>> {
    let reply: Reply<SkuView> = await this.#send(
      sku,
      0,
      "idempotent",
      "putSku",
      { sku, stock },
      meta,
    );
    for (let round = 0; !reply.ok && reply.code === "allocation-short"; round++) {
      if (round >= MAX_ROUNDS) return contended(sku);
      const want = (reply.data as { want?: number } | undefined)?.want ?? 1;
      const moved = await this.#rebalance(sku, 0, want);
      if (!moved.ok) return moved;
      const last = moved.value.exhausted;
      reply = await this.#send(sku, 0, "idempotent", "putSku", { sku, stock, last }, meta);
    }
    if (!reply.ok) return reply;
    const placement = await this.placement(sku, true);
    return placement.ok && placement.value.spread ? this.#gather(sku) : reply;
  }

  /**
   * Places a hold. A spread sku's hold goes to one sub-shard (pinned by its idempotency key
   * when keyed; saga holds with a `holdId` always to sub-shard 0); when that sub-shard is
   * short, allocation is moved to it and the hold retried there, and only a last try
   * after the others were found empty may answer `insufficient-stock`.
   */
  async placeHold(
    sku: string,
    ask: HoldAsk,
    keyed: Pick<CallMeta, "idempotencyKey" | "fingerprint"> = {},
  ): Promise<Reply<HoldView>> {
    // A fresh cached placement (the common case) is used without the async lookup.
    const cached = this.#cache.get(sku);
    const known = cached ? { ok: true as const, value: cached } : await this.placement(sku);
    if (!known.ok) return known;
    let placement = known.value;
    const keyedHold = keyed.idempotencyKey !== undefined || ask.holdId !== undefined;
    const delivery = keyedHold ? "idempotent" : "once";
    if (!placement.spread) {
      const reply = await this.#send(sku, 0, delivery, "placeHold", ask, keyed);
      const moved = movedTo(reply);
      if (!moved) return reply;
      placement = this.#cache.set(moved);
    }
    const at =
      ask.holdId !== undefined ? 0 : chooseSubShard(placement.subShards, keyed.idempotencyKey);
    const earlier = await this.#earlierAnswer(sku, placement, at, keyed);
    if (earlier) return earlier;
    const hold = (last: boolean) =>
      this.#send(sku, at, delivery, "placeHold", { ...ask, subShard: at, last }, keyed);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const reply = await hold(false);
      if (reply.ok || reply.code !== "allocation-short") return reply;
      const available = (reply.data as { available?: number } | undefined)?.available ?? 0;
      const moved = await this.#rebalance(sku, at, Math.max(1, ask.quantity - available));
      if (!moved.ok) return moved;
      // Only when the coordinator found every other sub-shard empty may the answer be final.
      if (moved.value.exhausted) return hold(true);
    }
    return contended(sku);
  }

  /**
   * A keyed hold first placed under an earlier K (within the records' 24 h) has its record
   * on the sub-shard that K chose: its answer is replayed from there (or the key refused as
   * reused), so a retry across a K change holds nothing more. `null`: no such record.
   */
  async #earlierAnswer(
    sku: string,
    placement: Placement,
    at: number,
    keyed: Pick<CallMeta, "idempotencyKey" | "fingerprint">,
  ): Promise<Reply<HoldView> | null> {
    const key = keyed.idempotencyKey;
    if (key === undefined) return null;
    const where = new Set(placement.earlier.map((k) => chooseSubShard(k, key)));
    where.delete(at);
    for (const subShard of where) {
      const payload = { key, fingerprint: keyed.fingerprint ?? "" };
      const found = await this.#send(sku, subShard, "read", "keyedReply", payload);
      if (!found.ok) return found;
      if (found.value.kind === "replay") return found.value.reply as Reply<HoldView>;
      if (found.value.kind === "conflict") {
        return fail(
          RuntimeCodes.idempotencyKeyReused,
          "this Idempotency-Key was already used with a different request body",
        );
      }
    }
    return null;
  }

  /** `getHold`, `confirmHold` or `releaseHold` on the sub-shard that holds `holdId`. */
  holdCommand(
    command: HoldCommand,
    payload: InventoryProtocol[HoldCommand]["payload"],
    meta: CallMeta = {},
  ): Promise<Reply<HoldView>> {
    const delivery = command === "getHold" ? "read" : "idempotent";
    return this.#send(
      payload.sku,
      subShardOfHold(payload.holdId),
      delivery,
      command,
      payload,
      meta,
    );
  }

  /** The shard that serves `holdId` of `sku` (for callers that talk to it directly). */
  holdAddress(sku: string, holdId: string): ShardAddress {
    return subShardAddress(this.#router, sku, subShardOfHold(holdId));
  }

  #rebalance(sku: string, target: number, want: number) {
    return this.#send(sku, 0, "idempotent", "rebalance", { sku, target, want }, { reserved: true });
  }

  /**
   * A spread sku's view: its placement (total, K, coordinator version) read first, then
   * every sub-shard's part at once. Each part is read once; the sum is not a snapshot
   * across objects, but never an impossible view: if held + sold came out above the total
   * (a unit released on one sub-shard and held on another between two reads), the parts
   * are read once more, and `available` is floored at 0 regardless.
   */
  async #gather(sku: string, tries = 2): Promise<Reply<SkuView>> {
    const placement = await this.placement(sku, true);
    if (!placement.ok) return placement;
    const subShards = [...Array(placement.value.highest).keys()];
    const parts = await Promise.all(
      subShards.map((i) => this.#send(sku, i, "read", "getPart", { sku })),
    );
    const failed = parts.find((p) => !p.ok && p.code !== "not-found");
    if (failed && !failed.ok) return failed;
    const view = aggregateView(
      sku,
      { total: placement.value.stock, version: placement.value.version },
      parts.flatMap((p) => (p.ok ? [p.value] : [])),
    );
    if (view.held + view.sold > view.stock && tries > 1) return this.#gather(sku, tries - 1);
    return { ok: true, value: view };
  }

  #send<C extends keyof InventoryProtocol & string>(
    sku: string,
    subShard: number,
    delivery: CallDelivery,
    command: C,
    payload: InventoryProtocol[C]["payload"],
    extra: CallMeta = {},
  ): Promise<Reply<InventoryProtocol[C]["value"]>> {
    const address = subShardAddress(this.#router, sku, subShard);
    return this.#call(address, delivery, (meta) =>
      subShardRef(this.#router, sku, subShard).call(command, payload, { ...meta, ...extra }),
    );
  }
}
