import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { exponential, fullJitter } from "../../core/backoff";

const opts = { baseMs: 100, capMs: 5000 };

describe("exponential", () => {
  it("doubles the base delay with each attempt", () => {
    expect([0, 1, 2, 3].map((a) => exponential(a, opts))).toEqual([100, 200, 400, 800]);
  });

  it("never exceeds the cap, even for absurd attempt numbers", () => {
    expect(exponential(6, opts)).toBe(5000);
    expect(exponential(10_000, opts)).toBe(5000);
  });

  it("rejects a negative or fractional attempt and negative bounds", () => {
    expect(() => exponential(-1, opts)).toThrow("attempt must be an integer >= 0, got -1");
    expect(() => exponential(1.5, opts)).toThrow("attempt must be an integer >= 0");
    expect(() => exponential(0, { baseMs: -1, capMs: 10 })).toThrow(
      "baseMs must be a finite number >= 0, got -1",
    );
    expect(() => exponential(0, { baseMs: 1, capMs: Number.NaN })).toThrow("capMs");
  });
});

describe("fullJitter", () => {
  it("spans the whole window from 0 up to the exponential ceiling", () => {
    expect(fullJitter(3, opts, () => 0)).toBe(0);
    expect(fullJitter(3, opts, () => 0.5)).toBe(400);
    expect(fullJitter(3, opts, () => 0.999_999)).toBe(799);
  });

  it("stays in [0, ceiling) for any attempt and random value", () => {
    fc.assert(
      fc.property(fc.nat(200), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const delay = fullJitter(attempt, opts, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(exponential(attempt, opts));
      }),
    );
  });

  it("is 0 when the ceiling is 0", () => {
    expect(fullJitter(4, { baseMs: 0, capMs: 1000 }, () => 0.7)).toBe(0);
  });

  it("draws from Math.random when no random source is given", () => {
    const random = vi.spyOn(Math, "random");
    random.mockReturnValueOnce(0.25).mockReturnValueOnce(0.75);
    expect([fullJitter(2, opts), fullJitter(2, opts)]).toEqual([100, 300]);
    expect(random).toHaveBeenCalledTimes(2);
  });

  it("spreads real retries over the window instead of repeating one delay", () => {
    const delays = new Set(Array.from({ length: 200 }, () => fullJitter(5, opts)));
    // 200 uniform draws from 3200 values: fewer than 100 distinct is vanishingly unlikely.
    expect(delays.size).toBeGreaterThan(100);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});
