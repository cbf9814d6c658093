/**
 * The configurations in a shuffled order for slice `slice` of round `round` (Fisher–Yates
 * over a small LCG seeded by both, so a run can be repeated).
 */
export function sliceOrder(configs, round, slice) {
  let seed = (round * 7919 + slice * 104729) >>> 0 || 1;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const order = [...configs];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
