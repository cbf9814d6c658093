import type { SkuView } from "../protocol";

/**
 * One `SkuView` of a spread sku from its coordinator's total and its sub-shards' parts:
 * `stock` is the total, `held` and `sold` are summed, `version` is the coordinator's plus
 * every part's (each is monotone, so the sum is). Parts read at slightly different moments
 * can count a unit released on one sub-shard and held again on another twice; `available`
 * is then floored at 0, never negative. Missing parts (sub-shards that never had
 * allocation) count as empty.
 */
export function aggregateView(
  sku: string,
  coordinator: { readonly total: number; readonly version: number },
  parts: Iterable<SkuView>,
): SkuView {
  let held = 0;
  let sold = 0;
  let version = coordinator.version;
  for (const part of parts) {
    held += part.held;
    sold += part.sold;
    version += part.version;
  }
  const stock = coordinator.total;
  return { sku, stock, available: Math.max(0, stock - held - sold), held, sold, version };
}
