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
  /** `not-found` */
  getSku: { payload: { sku: string }; value: SkuView };
  /** `stock-below-committed` */
  putSku: { payload: { sku: string; stock: number }; value: SkuView };
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
};
