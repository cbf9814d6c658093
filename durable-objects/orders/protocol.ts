/** One line of an order. */
export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
}

export type OrderStatus = "queued" | "pending" | "confirmed" | "rejected";

export interface OrderView {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly items: readonly OrderItem[];
  readonly reason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A new order as the edge hands it over: id derived from the Idempotency-Key. */
export interface OrderRequest {
  readonly orderId: string;
  readonly items: readonly OrderItem[];
  /** Canonical JSON of the request body: the same key with another body is refused. */
  readonly fingerprint: string;
}

/** The order shard's commands. Failure codes: see each comment. */
export type OrdersProtocol = {
  /** `not-found` */
  getOrder: { payload: { orderId: string }; value: OrderView };
  /**
   * Creates the order (or finds it) and runs its saga until it is final or must wait.
   * `idempotency-key-reused` when the order exists with another body.
   */
  placeOrder: { payload: OrderRequest; value: OrderView };
  /**
   * Shed path: records the order as `queued` (visible at once) without running it. Not
   * admission-regulated: it is what runs when the shard is at capacity.
   */
  enqueueOrder: { payload: OrderRequest; value: { order: OrderView; created: boolean } };
  /**
   * Queue consumer: runs a queued order's saga (admission-regulated: it may be
   * `overloaded`). `not-found` if the order was never recorded or was withdrawn.
   */
  processQueued: { payload: OrderRequest; value: OrderView };
  /**
   * Shed path undo: the queue refused the message, so the still-queued order is deleted and
   * the client's 503 stays true ("created nothing").
   */
  withdrawQueued: { payload: { orderId: string }; value: { withdrawn: boolean } };
  /** Dead-letter consumer: a still-queued order becomes `rejected` (`dead-lettered`). */
  /** `fingerprint`: the dead message's; an order of another body under the id is left alone. */
  rejectQueued: {
    payload: { orderId: string; reason: string; fingerprint?: string };
    value: OrderView;
  };
};
