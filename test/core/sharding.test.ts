import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashKey, jumpHash, ShardMap, validateShardCount } from "../../core/sharding";

const MASK_64 = (1n << 64n) - 1n;

/** An independent reference built on TextEncoder, to pin hashKey's byte handling. */
function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK_64;
  return h;
}
function splitmix64Finalizer(x: bigint): bigint {
  let z = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}
const referenceHash = (s: string): bigint =>
  splitmix64Finalizer(fnv1a64(new TextEncoder().encode(s)));

/** Any UTF-16 code unit, lone surrogates included. */
const utf16Strings = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)) });

const KEYS = Array.from({ length: 100_000 }, (_, i) => hashKey(`sku-${i}`));

describe("hashKey", () => {
  it("the reference matches published FNV-1a 64 and splitmix64 vectors", () => {
    const enc = new TextEncoder();
    expect(fnv1a64(enc.encode(""))).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(enc.encode("a"))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(enc.encode("foobar"))).toBe(0x85944171f73967e8n);
    // splitmix64 seeded with 0: the first output is the finalizer of the golden gamma.
    expect(splitmix64Finalizer(0x9e3779b97f4a7c15n)).toBe(0xe220a8397b1dcdafn);
  });

  it("equals FNV-1a 64 of the UTF-8 bytes followed by the splitmix64 finalizer", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), utf16Strings), (s) => {
        expect(hashKey(s)).toBe(referenceHash(s));
      }),
    );
  });

  it("is stable for the same input and always fits in 64 bits", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = hashKey(s);
        expect(hashKey(`${s}`)).toBe(h);
        expect(h >= 0n && h <= MASK_64).toBe(true);
      }),
    );
  });

  it("keeps pinned values, because changing them reroutes every key", () => {
    expect(hashKey("")).toBe(referenceHash(""));
    expect(new ShardMap("inventory", 16).shardOf("sku-1")).toBe(
      jumpHash(referenceHash("sku-1"), 16),
    );
  });
});

describe("jumpHash", () => {
  it("matches published test vectors", () => {
    expect(jumpHash(1n, 1)).toBe(0);
    expect(jumpHash(42n, 57)).toBe(43);
    expect(jumpHash(256n, 1024)).toBe(520);
    expect(jumpHash(3735883980n, 1)).toBe(0);
    expect(jumpHash(3735883980n, 666)).toBe(361);
    expect(jumpHash(16045690984833335023n, 255)).toBe(237);
    expect(jumpHash(123456n, 1000)).toBe(984);
  });

  it("always lands in [0, buckets)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MASK_64 }),
        fc.integer({ min: 1, max: 5000 }),
        (k, n) => {
          const b = jumpHash(k, n);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThan(n);
        },
      ),
    );
  });

  it("rejects a bucket count below 1 or fractional", () => {
    expect(() => jumpHash(1n, 0)).toThrow("buckets must be an integer >= 1, got 0");
    expect(() => jumpHash(1n, 2.5)).toThrow("buckets must be an integer >= 1");
  });
});

describe("ShardMap", () => {
  it("balances 100,000 keys across 16 shards within 10% of the mean", () => {
    const counts = new Array<number>(16).fill(0);
    for (const k of KEYS) {
      const shard = jumpHash(k, 16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    const mean = KEYS.length / 16;
    for (const c of counts) {
      expect(c).toBeGreaterThan(mean * 0.9);
      expect(c).toBeLessThan(mean * 1.1);
    }
  });

  it("moves about 1/17 of keys when growing from 16 to 17 shards, all onto the new shard", () => {
    let moved = 0;
    for (const k of KEYS) {
      const before = jumpHash(k, 16);
      const after = jumpHash(k, 17);
      if (before === after) continue;
      moved += 1;
      expect(after).toBe(16);
    }
    const expected = KEYS.length / 17;
    expect(moved).toBeGreaterThan(expected * 0.9);
    expect(moved).toBeLessThan(expected * 1.1);
  });

  it("routes a key the same way from independent instances", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1024 }), (key, n) => {
        expect(new ShardMap("orders", n).shardOf(key)).toBe(new ShardMap("orders", n).shardOf(key));
      }),
    );
  });

  it("names shards service-index", () => {
    const map = new ShardMap("inventory", 3);
    expect(map.shardName(2)).toBe("inventory-2");
    expect(map.shardNames()).toEqual(["inventory-0", "inventory-1", "inventory-2"]);
    expect(map.shardName(map.shardOf("sku-42"))).toMatch(/^inventory-[0-2]$/);
    expect(() => map.shardName(3)).toThrow("shard index must be an integer from 0 to 2, got 3");
  });

  it("validates its shard count and service name on construction", () => {
    expect(() => new ShardMap("inventory", 0)).toThrow(
      "inventory shardCount must be an integer from 1 to 1024, got 0",
    );
    expect(() => new ShardMap("", 4)).toThrow("service must be a non-empty string");
  });
});

describe("validateShardCount", () => {
  it("accepts integers from 1 to 1024 as numbers or decimal strings", () => {
    expect(validateShardCount("INVENTORY_SHARDS", 1)).toBe(1);
    expect(validateShardCount("INVENTORY_SHARDS", "16")).toBe(16);
    expect(validateShardCount("INVENTORY_SHARDS", " 1024 ")).toBe(1024);
  });

  it("names the field and the limit when the value is unusable", () => {
    const msg = (got: string) => `INVENTORY_SHARDS must be an integer from 1 to 1024, got ${got}`;
    expect(() => validateShardCount("INVENTORY_SHARDS", "abc")).toThrow(msg('"abc"'));
    expect(() => validateShardCount("INVENTORY_SHARDS", 0)).toThrow(msg("0"));
    expect(() => validateShardCount("INVENTORY_SHARDS", 1025)).toThrow(msg("1025"));
    expect(() => validateShardCount("INVENTORY_SHARDS", 2.5)).toThrow(msg("2.5"));
    expect(() => validateShardCount("INVENTORY_SHARDS", "-3")).toThrow(msg('"-3"'));
    expect(() => validateShardCount("INVENTORY_SHARDS", "1e3")).toThrow(msg('"1e3"'));
    expect(() => validateShardCount("INVENTORY_SHARDS", "")).toThrow(msg('""'));
    expect(() => validateShardCount("INVENTORY_SHARDS", undefined)).toThrow(msg("undefined"));
    expect(() => validateShardCount("INVENTORY_SHARDS", null)).toThrow(msg("null"));
  });
});
