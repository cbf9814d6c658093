import { describe, expect, it } from "vitest";
import {
  grantLease,
  HeldLease,
  type LeaseBucket,
  leasePolicy,
  refillBucket,
  withheldBound,
} from "../../core/regulation";
import { FakeScheduler } from "./fake-scheduler";

describe("leasePolicy", () => {
  it("sizes a lease as one second of the rate, capped at 0.5 % of the per-minute limit", () => {
    expect(leasePolicy({ limitPerMinute: 6000 })).toEqual({
      limitPerMinute: 6000,
      size: 30,
      lowWater: 7,
      ttlMs: 10_000,
    });
    // 10 M/min is 166,667/s: the share cap (50,000) binds.
    expect(leasePolicy({ limitPerMinute: 10_000_000 }).size).toBe(50_000);
    // A small limit leases one token at a time: exact.
    expect(leasePolicy({ limitPerMinute: 3 })).toMatchObject({ size: 1, lowWater: 0 });
    // Rate binds when the share would allow more than a second's worth.
    expect(leasePolicy({ limitPerMinute: 60_000, maxShare: 0.5 }).size).toBe(1000);
  });

  it("bounds what holders can withhold to a few percent of the limit", () => {
    const policy = leasePolicy({ limitPerMinute: 6000 });
    expect(withheldBound(policy, 4)).toBe(148);
    expect(withheldBound(policy, 4) / 6000).toBeLessThan(0.025);
  });

  it("names the field and the limit when an option is out of range", () => {
    expect(() => leasePolicy({ limitPerMinute: 0 })).toThrow(
      "limitPerMinute must be an integer >= 1, got 0",
    );
    expect(() => leasePolicy({ limitPerMinute: 60, maxShare: 0 })).toThrow(
      "maxShare must be a finite number > 0, got 0",
    );
    expect(() => leasePolicy({ limitPerMinute: 60, ttlMs: 0.5 })).toThrow(
      "ttlMs must be an integer >= 1, got 0.5",
    );
  });
});

describe("grantLease (the limiter's arithmetic)", () => {
  const policy = leasePolicy({ limitPerMinute: 600 }); // 10 tokens/s, leases of 3
  const t0 = 1_700_000_000_000;

  it("starts a new client full and grants what it asks for", () => {
    const { bucket, grant } = grantLease(undefined, { want: 3, returned: 0 }, policy, t0);
    expect(grant).toEqual({ ok: true, granted: 3, ttlMs: 10_000 });
    expect(bucket).toEqual({ tokens: 597, at: t0 });
  });

  it("grants what is left, then refuses with the wait for the next whole token", () => {
    const low: LeaseBucket = { tokens: 2.5, at: t0 };
    expect(grantLease(low, { want: 3, returned: 0 }, policy, t0).grant).toMatchObject({
      granted: 2,
    });
    const empty: LeaseBucket = { tokens: 0.25, at: t0 };
    // 0.75 of a token at 10/s is 75 ms.
    expect(grantLease(empty, { want: 3, returned: 0 }, policy, t0).grant).toEqual({
      ok: false,
      retryAfterMs: 75,
    });
  });

  it("refills at limit/60 per second up to the limit, and takes returned tokens back", () => {
    expect(refillBucket({ tokens: 0, at: t0 }, 600, t0 + 1500).tokens).toBe(15);
    expect(refillBucket({ tokens: 590, at: t0 }, 600, t0 + 60_000).tokens).toBe(600);
    const { bucket } = grantLease({ tokens: 0, at: t0 }, { want: 3, returned: 2 }, policy, t0);
    expect(bucket.tokens).toBe(0); // 2 returned, 2 granted
    // Returned tokens never lift a bucket past its capacity.
    const full = grantLease({ tokens: 600, at: t0 }, { want: 1, returned: 50 }, policy, t0);
    expect(full.bucket.tokens).toBe(599);
  });

  it("never drains a bucket when the clock steps backwards", () => {
    expect(refillBucket({ tokens: 10, at: t0 }, 600, t0 - 5000)).toEqual({ tokens: 10, at: t0 });
  });

  it("refuses a request that wants no token or returns a fraction", () => {
    expect(() => grantLease(undefined, { want: 0, returned: 0 }, policy, t0)).toThrow(
      "want must be an integer >= 1, got 0",
    );
    expect(() => grantLease(undefined, { want: 1, returned: 0.5 }, policy, t0)).toThrow(
      "returned must be an integer >= 0, got 0.5",
    );
  });

  it("never grants more than one bucket allows, however many holders ask", () => {
    let bucket: LeaseBucket | undefined;
    let granted = 0;
    for (let i = 0; i < 1000; i++) {
      const r = grantLease(bucket, { want: 3, returned: 0 }, policy, t0 + i);
      bucket = r.bucket;
      if (r.grant.ok) granted += r.grant.granted;
    }
    // 600 to start with plus 10/s over the 999 ms of asking.
    expect(granted).toBe(Math.floor(600 + 9.99));
  });
});

describe("HeldLease (an isolate's side)", () => {
  const policy = leasePolicy({ limitPerMinute: 6000 }); // leases of 30, low water 7

  it("spends leased tokens locally and asks for more once at the low-water mark", () => {
    const clock = new FakeScheduler();
    const lease = new HeldLease(policy, clock.now);
    expect(lease.trySpend()).toBe(false);
    lease.apply({ ok: true, granted: 30, ttlMs: 10_000 });
    for (let i = 0; i < 22; i++) expect(lease.trySpend()).toBe(true);
    expect(lease.wantsRefill).toBe(false);
    expect(lease.trySpend()).toBe(true);
    expect(lease.tokens).toBe(7);
    expect(lease.wantsRefill).toBe(true);
  });

  it("stops spending an expired lease and hands its unspent tokens back exactly once", () => {
    const clock = new FakeScheduler();
    const lease = new HeldLease(policy, clock.now);
    lease.apply({ ok: true, granted: 30, ttlMs: 10_000 });
    lease.trySpend();
    clock.advance(9_999);
    expect(lease.tokens).toBe(29);
    clock.advance(1);
    expect(lease.trySpend()).toBe(false);
    expect(lease.takeReturns()).toBe(29);
    expect(lease.takeReturns()).toBe(0);
  });

  it("remembers a refusal until the next token is due", () => {
    const clock = new FakeScheduler();
    const lease = new HeldLease(policy, clock.now);
    lease.apply({ ok: false, retryAfterMs: 250 });
    expect(lease.refusedForMs()).toBe(250);
    clock.advance(200);
    expect(lease.refusedForMs()).toBe(50);
    clock.advance(50);
    expect(lease.refusedForMs()).toBe(0);
  });

  it("extends the expiry of tokens still held when a refill arrives", () => {
    const clock = new FakeScheduler();
    const lease = new HeldLease(policy, clock.now);
    lease.apply({ ok: true, granted: 5, ttlMs: 10_000 });
    clock.advance(8_000);
    lease.apply({ ok: true, granted: 30, ttlMs: 10_000 });
    clock.advance(8_000);
    expect(lease.tokens).toBe(35);
  });
});
