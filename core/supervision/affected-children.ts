import type { RestartStrategy } from "./flags";

/**
 * The children a restart of `failedId` touches under `strategy`, in start order (see
 * `RestartStrategy`): they are terminated in the reverse of this order (the failed child
 * excepted, it is gone already), then started in this order. An id not in
 * `childIdsInStartOrder` is no longer supervised, so nothing is affected.
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
    case "simple_one_for_one":
      return [failedId];
    case "one_for_all":
      return [...childIdsInStartOrder];
    case "rest_for_one":
      return childIdsInStartOrder.slice(index);
  }
}
