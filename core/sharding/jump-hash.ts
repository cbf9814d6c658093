const MASK_64 = (1n << 64n) - 1n;
const LCG_MULTIPLIER = 2862933555777941757n;
const TWO_POW_31 = 2 ** 31;

/**
 * Lamping & Veach's jump consistent hash: maps a 64-bit key to a bucket in
 * `[0, buckets)` so that growing from n to n+1 buckets moves only ~1/(n+1) of the keys,
 * all of them to the new bucket. Needs no ring or table, just the bucket count. The key
 * is read as unsigned 64-bit (other bigints are wrapped). Throws RangeError unless
 * `buckets` is an integer >= 1.
 */
export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) {
    throw new RangeError(`buckets must be an integer >= 1, got ${buckets}`);
  }
  let k = BigInt.asUintN(64, key);
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = (k * LCG_MULTIPLIER + 1n) & MASK_64;
    j = Math.floor((b + 1) * (TWO_POW_31 / (Number(k >> 33n) + 1)));
  }
  return b;
}
