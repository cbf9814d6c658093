import { seededRandom } from "./random.mjs";

/**
 * The configurations in a shuffled order for slice `slice` of round `round` (Fisher–Yates
 * over `seededRandom` seeded by both, so a run can be repeated).
 */
export function sliceOrder(configs, round, slice) {
  const random = seededRandom(round * 7919 + slice * 104729);
  const order = [...configs];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
