import type { OrderRequest } from "../../durable-objects/orders/protocol";

/** Queue names as wrangler.toml declares them. */
export const ORDERS_QUEUE = "bulwark-orders";
export const ORDERS_DLQ = "bulwark-orders-dlq";

/** What rides the orders queue: the order as the edge accepted it. */
export interface OrderMessage extends OrderRequest {
  readonly enqueuedAt: number;
}

/** A body is only trusted as an order message if it has the fields the consumer needs. */
export function isOrderMessage(body: unknown): body is OrderMessage {
  const m = body as Partial<OrderMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.orderId === "string" &&
    typeof m.fingerprint === "string" &&
    Array.isArray(m.items)
  );
}
