import type { StockFeedRelay } from "./relay";

/** The relay of `sku`'s live events: one object per sku, named by it. */
export function stockFeedRelay(
  namespace: DurableObjectNamespace<StockFeedRelay>,
  sku: string,
): DurableObjectStub<StockFeedRelay> {
  return namespace.get(namespace.idFromName(sku));
}
