const MASK_64 = (1n << 64n) - 1n;
const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/**
 * A stable 64-bit hash of a string's UTF-8 bytes: FNV-1a 64 followed by splitmix64's
 * finalizer. FNV-1a alone leaves similar keys (`sku-1`, `sku-2`) with similar high bits,
 * and jump hash reads exactly those bits, so the mixer is what makes shards balanced.
 * Pure and identical on every platform and run, which routing across Workers requires.
 */
export function hashKey(key: string): bigint {
  let h = FNV_OFFSET_BASIS;
  for (const byte of utf8Bytes(key)) {
    h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  }
  return mix64(h);
}

/** splitmix64's finalizer: every input bit affects every output bit. */
function mix64(x: bigint): bigint {
  let z = x;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

/**
 * The bytes `TextEncoder` would produce, without depending on that global: lone
 * surrogates become U+FFFD, as the WHATWG encoder does.
 */
function* utf8Bytes(text: string): Generator<number> {
  for (const char of text) {
    let cp = char.codePointAt(0) ?? 0xfffd;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) {
      yield cp;
    } else if (cp < 0x800) {
      yield 0xc0 | (cp >> 6);
      yield 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      yield 0xe0 | (cp >> 12);
      yield 0x80 | ((cp >> 6) & 0x3f);
      yield 0x80 | (cp & 0x3f);
    } else {
      yield 0xf0 | (cp >> 18);
      yield 0x80 | ((cp >> 12) & 0x3f);
      yield 0x80 | ((cp >> 6) & 0x3f);
      yield 0x80 | (cp & 0x3f);
    }
  }
}
