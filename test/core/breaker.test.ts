import { describe, expect, it } from "vitest";
import { type BreakerOptions, CircuitBreaker } from "../../core/breaker";
import { FakeScheduler } from "./fake-scheduler";

function breaker(clock: FakeScheduler, opts: BreakerOptions = {}): CircuitBreaker {
  return new CircuitBreaker({ now: clock.now, ...opts });
}

function fail(b: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) b.onFailure();
}

describe("CircuitBreaker", () => {
  it("stays closed after 4 consecutive failures and opens on the 5th", () => {
    const b = breaker(new FakeScheduler());
    fail(b, 4);
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toEqual({ ok: true, probe: false });
    b.onFailure();
    expect(b.state).toBe("open");
  });

  it("resets the failure count on a success in between", () => {
    const b = breaker(new FakeScheduler());
    fail(b, 4);
    b.onSuccess();
    fail(b, 4);
    expect(b.state).toBe("closed");
    expect(b.toJSON().failures).toBe(4);
  });

  it("refuses while open with the remaining reset time as retryAfterMs", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock, { resetTimeoutMs: 1000 });
    fail(b, 5);
    expect(b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 1000 });
    clock.advance(400);
    expect(b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 600 });
  });

  it("turns half-open after the reset timeout and admits exactly one probe", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(1000);
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toMatchObject({ ok: true, probe: true });
    expect(b.tryAcquire().ok).toBe(false);
    expect(b.tryAcquire().ok).toBe(false);
    expect(b.state).toBe("half-open");
  });

  it("closes when the probe succeeds", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(1000);
    b.tryAcquire();
    b.onSuccess();
    expect(b.state).toBe("closed");
    expect(b.toJSON()).toEqual({
      state: "closed",
      failures: 0,
      openedAt: null,
      resetTimeoutMs: 1000,
      probeInFlight: false,
    });
  });

  it("re-opens with a doubled reset timeout, capped at the maximum, when probes fail", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock, { resetTimeoutMs: 1000, maxResetTimeoutMs: 5000 });
    fail(b, 5);
    const timeouts: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(b.toJSON().resetTimeoutMs);
      expect(b.tryAcquire()).toMatchObject({ ok: true, probe: true });
      b.onFailure();
      expect(b.state).toBe("open");
      timeouts.push(b.toJSON().resetTimeoutMs);
    }
    expect(timeouts).toEqual([2000, 4000, 5000, 5000]);
    expect(b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 5000 });
  });

  it("goes back to the base reset timeout once a probe succeeds", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(1000);
    b.tryAcquire();
    b.onFailure();
    clock.advance(2000);
    b.tryAcquire();
    b.onSuccess();
    fail(b, 5);
    expect(b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 1000 });
  });

  it("ignores outcomes of calls admitted before it opened", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    b.onSuccess();
    b.onFailure();
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 1000 });
  });

  it("takes only the current probe's outcome when callers report with their permits", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock, { failureThreshold: 2 });
    const early = [b.tryAcquire(), b.tryAcquire(), b.tryAcquire()];
    const [first, second, late] = early.map((p) => (p.ok ? p : null));
    if (!first || !second || !late) throw new Error("closed breaker refused a call");
    b.onFailure(first);
    b.onFailure(second);
    expect(b.state).toBe("open");
    clock.advance(1000);
    const probe = b.tryAcquire();
    if (!probe.ok) throw new Error("no probe after the reset timeout");
    // A call admitted before the breaker opened fails late: neither re-opened nor backed off.
    b.onFailure(late);
    b.onSuccess(late);
    expect(b.state).toBe("half-open");
    expect(b.toJSON()).toMatchObject({ resetTimeoutMs: 1000, probeInFlight: true });
    b.onSuccess(probe);
    expect(b.state).toBe("closed");
  });

  it("ignores a replaced probe's late answer; the new probe's counts", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(1000);
    const lost = b.tryAcquire();
    clock.advance(1000);
    const probe = b.tryAcquire();
    if (!lost.ok || !probe.ok) throw new Error("no probe");
    b.onSuccess(lost);
    expect(b.state).toBe("half-open");
    b.onFailure(probe);
    expect(b.state).toBe("open");
    expect(b.toJSON().resetTimeoutMs).toBe(2000);
  });

  it("replaces a probe that never reports once another reset timeout passes", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(1000);
    expect(b.tryAcquire()).toMatchObject({ ok: true, probe: true });
    clock.advance(999);
    expect(b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(b.tryAcquire()).toMatchObject({ ok: true, probe: true });
  });

  it("round-trips through toJSON and fromJSON", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(300);
    const snapshot = JSON.parse(JSON.stringify(b)) as ReturnType<CircuitBreaker["toJSON"]>;
    expect(snapshot).toEqual({
      state: "open",
      failures: 5,
      openedAt: clock.now() - 300,
      resetTimeoutMs: 1000,
      probeInFlight: false,
    });
    const restored = CircuitBreaker.fromJSON(snapshot, { now: clock.now });
    expect(restored.toJSON()).toEqual(snapshot);
    expect(restored.tryAcquire()).toEqual({ ok: false, retryAfterMs: 700 });
  });

  it("restores a half-open snapshot as open, restarting the reset clock", () => {
    const clock = new FakeScheduler();
    const b = breaker(clock);
    fail(b, 5);
    clock.advance(1000);
    b.tryAcquire();
    const snapshot = b.toJSON();
    expect(snapshot).toMatchObject({ state: "half-open", probeInFlight: true });
    const restored = new CircuitBreaker({ now: clock.now }, snapshot);
    expect(restored.state).toBe("open");
    expect(restored.toJSON()).toMatchObject({ openedAt: clock.now(), probeInFlight: false });
    expect(restored.tryAcquire()).toEqual({ ok: false, retryAfterMs: 1000 });
  });

  it("restores a closed snapshot with its failure count", () => {
    const b = breaker(new FakeScheduler());
    fail(b, 3);
    const restored = CircuitBreaker.fromJSON(b.toJSON(), { failureThreshold: 4 });
    restored.onFailure();
    expect(restored.state).toBe("open");
  });

  it("validates its options, naming the field and the limit", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(
      "failureThreshold must be an integer >= 1, got 0",
    );
    expect(() => new CircuitBreaker({ resetTimeoutMs: 0 })).toThrow(
      "resetTimeoutMs must be a finite number > 0, got 0",
    );
    expect(() => new CircuitBreaker({ resetTimeoutMs: 5000, maxResetTimeoutMs: 1000 })).toThrow(
      "maxResetTimeoutMs must be a finite number >= resetTimeoutMs (5000), got 1000",
    );
    expect(() => new CircuitBreaker({ backoffFactor: 0.5 })).toThrow(
      "backoffFactor must be a finite number >= 1, got 0.5",
    );
  });
});
