/**
 * A deterministic uniform [0, 1) source (an LCG, Numerical Recipes' constants) seeded by
 * `seed`, so a bench's shuffles and resamples can be repeated exactly. Not for anything
 * that needs unpredictability.
 */
export function seededRandom(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
