import { describe, expect, it } from "vitest";
import {
  CounterRegulator,
  KeyedRateLimiter,
  TokenBucket,
  TokenBucketMap,
} from "../../core/regulation";
import { FakeScheduler } from "./fake-scheduler";

describe("CounterRegulator", () => {
  it("hands out at most limit slots and takes them back on release", () => {
    const counter = new CounterRegulator(2);
    expect([counter.tryTake(), counter.tryTake(), counter.tryTake()]).toEqual([true, true, false]);
    counter.release();
    expect(counter.inFlight).toBe(1);
    expect(counter.tryTake()).toBe(true);
  });

  it("treats a release without a take as a bug", () => {
    expect(() => new CounterRegulator(1).release()).toThrow("release() without a matching");
    expect(() => new CounterRegulator(0)).toThrow("limit must be an integer >= 1, got 0");
  });
});

describe("TokenBucket", () => {
  it("starts full, then refills continuously at the rate", () => {
    const clock = new FakeScheduler();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: clock.now });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.msUntilToken()).toBe(100);
    clock.advance(60);
    expect(bucket.msUntilToken()).toBe(40);
    clock.advance(40);
    expect(bucket.tryTake()).toBe(true);
    clock.advance(10_000);
    expect(bucket.available).toBe(3);
  });

  it("validates rate and burst", () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(
      "ratePerSecond must be a finite number > 0, got 0",
    );
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 })).toThrow(
      "burst must be an integer >= 1, got 0.5",
    );
  });
});

describe("KeyedRateLimiter", () => {
  it("allows limitPerMinute requests per key, then refuses with a retryAfter", () => {
    const clock = new FakeScheduler();
    const limiter = new KeyedRateLimiter({ limitPerMinute: 3, now: clock.now });
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([
      { ok: true, remaining: 2 },
      { ok: true, remaining: 1 },
      { ok: true, remaining: 0 },
    ]);
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterMs: 20_000 });
    expect(limiter.take("b")).toEqual({ ok: true, remaining: 2 });
  });

  it("refills at limitPerMinute / 60 per second", () => {
    const clock = new FakeScheduler();
    const limiter = new KeyedRateLimiter({ limitPerMinute: 60, now: clock.now });
    for (let i = 0; i < 60; i++) expect(limiter.take("k").ok).toBe(true);
    expect(limiter.take("k")).toEqual({ ok: false, retryAfterMs: 1000 });
    clock.advance(1000);
    expect(limiter.take("k")).toEqual({ ok: true, remaining: 0 });
    clock.advance(60_000);
    expect(limiter.take("k")).toEqual({ ok: true, remaining: 59 });
  });

  it("forgets the least recently used key beyond maxKeys", () => {
    const clock = new FakeScheduler();
    const limiter = new TokenBucketMap({ limitPerMinute: 1, maxKeys: 2, now: clock.now });
    limiter.take("a");
    limiter.take("b");
    expect(limiter.take("a").ok).toBe(false); // "a" is now the most recently used
    limiter.take("c"); // evicts "b"
    expect(limiter.size).toBe(2);
    expect(limiter.take("a").ok).toBe(false);
    expect(limiter.take("b").ok).toBe(true); // forgotten, so it starts full again
  });

  it("validates its options", () => {
    expect(() => new KeyedRateLimiter({ limitPerMinute: 0 })).toThrow(
      "limitPerMinute must be an integer >= 1, got 0",
    );
    expect(() => new KeyedRateLimiter({ limitPerMinute: 5, maxKeys: 0 })).toThrow(
      "maxKeys must be an integer >= 1, got 0",
    );
  });
});
