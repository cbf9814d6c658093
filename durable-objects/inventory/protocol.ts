/** A SKU as clients see it; `available = stock - held - sold`. */
export interface SkuView {
  readonly sku: string;
  readonly stock: number;
  readonly available: number;
  readonly held: number;
  readonly sold: number;
  readonly version: number;
}

export type HoldStatus = "active" | "confirmed" | "released" | "expired";

export interface HoldView {
  readonly holdId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly status: HoldStatus;
  readonly expiresAt: string;
}

/** An edge-triggered business event: `available` reached 0, or rose above it again. */
export interface StockEvent {
  readonly seq: number;
  readonly sku: string;
  readonly type: "stock-depleted" | "stock-replenished";
  readonly at: string;
}

/** The inventory shard's commands. Failure codes: see each comment. */
export type InventoryProtocol = {
  /**
   * `not-found`. A spread sku answers its coordinator's view (sub-shards as last reported),
   * or with `gather` `placement-moved`, so the caller reads every part fresh.
   */
  getSku: { payload: { sku: string; gather?: boolean }; value: SkuView };
  /**
   * `stock-below-committed`. On a spread sku the total changes at the coordinator; a
   * decrease it cannot cover from sub-shard 0 is `allocation-short` (unrecorded) unless
   * `last`.
   */
  putSku: { payload: { sku: string; stock: number; last?: boolean }; value: SkuView };
  /**
   * `not-found`, `insufficient-stock`, `hold-too-large` and `client-hold-limit` (client holds
   * only: see `hold-policy.ts`). With `holdId` (saga steps) the call is idempotent: an
   * existing hold of that id is answered as it stands.
   */
  placeHold: {
    payload: {
      sku: string;
      quantity: number;
      ttlSeconds: number;
      holdId?: string;
      /** The client's address: its holds count against the per-client limit (saga holds omit it). */
      client?: string;
      /**
       * Hot SKUs (`spread/`): the sub-shard this object serves the hold as. When it lacks
       * allocation it answers `allocation-short` (not kept by idempotency) so the caller can
       * rebalance and retry — unless `last`, when it answers `insufficient-stock`. Without
       * `subShard`, a spread SKU's home answers `placement-moved` (the caller learns K).
       */
      subShard?: number;
      last?: boolean;
    };
    value: HoldView;
  };
  /** `not-found` */
  getHold: { payload: { sku: string; holdId: string }; value: HoldView };
  /** `not-found`, `hold-not-active` (released or expired). Confirming twice is a no-op. */
  confirmHold: { payload: { sku: string; holdId: string }; value: HoldView };
  /**
   * `not-found`, `hold-not-active` (confirmed or expired). Releasing twice is a no-op.
   * Saga compensation sets `compensate`: an unknown id is recorded released (a tombstone, so
   * a late duplicate of the hold request cannot take stock afterwards) and a confirmed hold
   * is reversed (its units return from `sold`), so a rejected order leaves nothing sold.
   */
  releaseHold: {
    payload: { sku: string; holdId: string; compensate?: boolean };
    value: HoldView;
  };

  // Hot SKUs: see `spread/` (placement, allocation moves, the coordinator's ledger).
  /** `not-found`. Where the sku's stock lives: plain, or spread over sub-shards. */
  getPlacement: { payload: { sku: string }; value: Placement };
  /** `not-found`. Admin: spread the sku over `subShards` sub-shards (1 keeps it as it is). */
  setPlacement: { payload: { sku: string; subShards: number }; value: Placement };
  /** `not-found` (no allocation here yet). This object's own part of a spread sku. */
  getPart: { payload: { sku: string }; value: SkuView };
  /** Donor side of a transfer: gives free allocation, once per `transferId`. */
  yieldAllocation: {
    payload: { sku: string; transferId: string; want: number; all: boolean };
    value: AllocationMove;
  };
  /** Receiving side of a transfer: takes `amount` into allocation, once per `transferId`. */
  acceptAllocation: {
    payload: { sku: string; transferId: string; amount: number; subShard: number };
    value: AllocationMove;
  };
  /**
   * Coordinator: moves free allocation from the other sub-shards to `target` (a saga over a
   * durable ledger; a crash is finished by its timer). `not-found`; `service-unavailable`
   * when a donor could not be reached (the transfer completes later).
   */
  rebalance: {
    payload: { sku: string; target: number; want: number };
    value: RebalanceOutcome;
  };
  /** The idempotency record of a keyed command on this object, if any (`lookup` of the runtime). */
  keyedReply: {
    payload: { key: string; fingerprint: string };
    value: { kind: "miss" } | { kind: "conflict" } | { kind: "replay"; reply: unknown };
  };
  /** Coordinator: a sub-shard's latest counts (for the aggregate view and `stock-depleted`). */
  reportPart: { payload: { sku: string; subShard: number; part: SkuView }; value: null };
};

/** Where a sku's stock lives. A plain sku is one row in its home shard. */
export interface Placement {
  readonly sku: string;
  readonly spread: boolean;
  /** K: new holds go to sub-shards `0 … subShards-1`. */
  readonly subShards: number;
  /** The most sub-shards ever used; those at or past `subShards` are retired. */
  readonly highest: number;
  /** The sku's total stock (the coordinator's). */
  readonly stock: number;
  readonly version: number;
  /**
   * Other values K had in the last 24 h (the idempotency records' lifetime): a keyed retry
   * looks for its first answer on the sub-shards they chose before holding anew.
   */
  readonly earlier: readonly number[];
}

/** What one side of a transfer did, and the sub-shard's part after it (`null`: none). */
export interface AllocationMove {
  readonly amount: number;
  readonly part: SkuView | null;
}

/**
 * `moved`: units that reached the target. `exhausted`: every other sub-shard had nothing
 * free and no other transfer was moving stock, so a shortfall now is final.
 */
export interface RebalanceOutcome {
  readonly moved: number;
  readonly exhausted: boolean;
}
