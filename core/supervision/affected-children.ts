import type { RestartStrategy } from "./flags";

/**
 * The children to restart, in start order, when `failedId` fails under `strategy` (see
 * `RestartStrategy`). An id not in `childIdsInStartOrder` is no longer supervised, so
 * nothing is affected and the result is empty.
 */
export function affectedChildren(
  strategy: RestartStrategy,
  childIdsInStartOrder: readonly string[],
  failedId: string,
): string[] {
  const index = childIdsInStartOrder.indexOf(failedId);
  if (index === -1) return [];
  switch (strategy) {
    case "one_for_one":
      return [failedId];
    case "one_for_all":
      return [...childIdsInStartOrder];
    case "rest_for_one":
      return childIdsInStartOrder.slice(index);
  }
}
