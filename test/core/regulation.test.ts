import { afterEach, describe, expect, it, vi } from "vitest";
import { Admission, type AdmissionOptions, type AdmissionResult } from "../../core/regulation";
import { FakeScheduler, flushMicrotasks } from "./fake-scheduler";

function admission(clock: FakeScheduler, opts: Partial<AdmissionOptions> = {}): Admission {
  return new Admission({
    maxConcurrency: 1,
    ratePerSecond: 1_000_000,
    burst: 1_000_000,
    maxSojournMs: 100,
    maxQueue: 100,
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    ...opts,
  });
}

/** Tracks a pending acquire so tests can see when, and how, it settled. */
function watch(promise: Promise<AdmissionResult>): { result: AdmissionResult | undefined } {
  const box: { result: AdmissionResult | undefined } = { result: undefined };
  void promise.then((r) => {
    box.result = r;
  });
  return box;
}

function admitted(r: AdmissionResult | undefined): Extract<AdmissionResult, { ok: true }> {
  if (r === undefined || !r.ok) throw new Error(`expected admission, got ${JSON.stringify(r)}`);
  return r;
}

function refused(r: AdmissionResult | undefined): Extract<AdmissionResult, { ok: false }> {
  if (r === undefined || r.ok) throw new Error(`expected refusal, got ${JSON.stringify(r)}`);
  return r;
}

describe("Admission", () => {
  it("never has more than 7 of 20 concurrent callers in flight, and all 20 finish", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 7, maxSojournMs: 50, maxQueue: 20 });
    let inFlight = 0;
    let peak = 0;
    const caller = async (): Promise<AdmissionResult> => {
      const ticket = await gate.acquire();
      if (!ticket.ok) return ticket;
      inFlight += 1;
      peak = Math.max(peak, inFlight, gate.snapshot().inFlight);
      await clock.sleep(5);
      inFlight -= 1;
      ticket.release();
      return ticket;
    };
    const all = Promise.all(Array.from({ length: 20 }, caller));
    await clock.advanceAsync(30);
    const results = await all;
    expect(peak).toBe(7);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => (r.ok ? r.waitedMs : -1)).sort((a, b) => a - b)).toEqual([
      ...new Array(7).fill(0),
      ...new Array(7).fill(5),
      ...new Array(6).fill(10),
    ]);
    expect(gate.snapshot()).toMatchObject({ inFlight: 0, queued: 0, admitted: 20, refused: 0 });
  });

  it("refuses the callers a limit of 7 cannot reach within the sojourn, and no others", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 7, maxSojournMs: 8, maxQueue: 20 });
    const caller = async (): Promise<AdmissionResult> => {
      const ticket = await gate.acquire();
      if (ticket.ok) {
        await clock.sleep(5);
        ticket.release();
      }
      return ticket;
    };
    const all = Promise.all(Array.from({ length: 20 }, caller));
    await clock.advanceAsync(20);
    const results = await all;
    expect(results.filter((r) => r.ok)).toHaveLength(14);
    const refusals = results.filter((r) => !r.ok);
    expect(refusals).toHaveLength(6);
    expect(refusals.every((r) => r.reason === "sojourn")).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it("admits no more than the burst plus the refill of a 10/s rate over 3 seconds", () => {
    const clock = new FakeScheduler();
    const start = clock.now();
    const gate = admission(clock, {
      maxConcurrency: 100,
      ratePerSecond: 10,
      burst: 10,
      maxSojournMs: 0,
    });
    const admittedAt: number[] = [];
    for (let t = 0; t < 3000; t++) {
      const r = gate.tryAcquire();
      if (r.ok) {
        admittedAt.push(t);
        r.release();
      } else {
        expect(r.reason).toBe("rate");
      }
      clock.advance(1);
    }
    expect(admittedAt.filter((t) => t < 1000)).toHaveLength(10 + 9);
    expect(admittedAt).toHaveLength(10 + 29);
    // In any window of w ms at most burst + rate * w / 1000 admissions.
    for (const [i, from] of admittedAt.entries()) {
      for (const to of admittedAt.slice(i)) {
        const inWindow = admittedAt.filter((t) => t >= from && t <= to).length;
        expect(inWindow).toBeLessThanOrEqual(10 + Math.floor(((to - from) * 10) / 1000));
      }
    }
    expect(clock.now() - start).toBe(3000);
  });

  it("hints retryAfterMs as the time to the next token when rate limited", () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, {
      maxConcurrency: 10,
      ratePerSecond: 4,
      burst: 1,
      maxSojournMs: 0,
    });
    admitted(gate.tryAcquire());
    clock.advance(100);
    const r = refused(gate.tryAcquire());
    expect(r).toMatchObject({ reason: "rate", retryAfterMs: 150 });
    expect(r.detail).toBe("rate limit reached (4/s, burst 1, next token in 150 ms, 0 waiting)");
  });

  it("refuses at once, naming the limit, when maxSojournMs is 0", () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 1, maxSojournMs: 0 });
    admitted(gate.tryAcquire());
    const r = refused(gate.tryAcquire());
    expect(r.reason).toBe("concurrency");
    expect(r.retryAfterMs).toBeGreaterThanOrEqual(1);
    expect(r.detail).toBe("concurrency limit reached (1/1 in flight, 0 waiting)");
  });

  it("refuses with queue-full when maxQueue callers already wait", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 1, maxQueue: 2, maxSojournMs: 25 });
    admitted(await gate.acquire());
    const waiting = [watch(gate.acquire()), watch(gate.acquire())];
    const r = refused(await gate.acquire());
    expect(r.reason).toBe("queue-full");
    expect(r.retryAfterMs).toBe(25);
    expect(r.detail).toBe("wait queue full (2/2 waiting, 1/1 in flight)");
    await flushMicrotasks();
    expect(waiting.map((w) => w.result)).toEqual([undefined, undefined]);
  });

  it("refuses a waiter exactly when its sojourn reaches maxSojournMs, not later", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 1, maxSojournMs: 25 });
    admitted(await gate.acquire());
    const waiter = watch(gate.acquire());
    await clock.advanceAsync(24);
    expect(waiter.result).toBeUndefined();
    await clock.advanceAsync(1);
    const r = refused(waiter.result);
    expect(r.reason).toBe("sojourn");
    expect(r.detail).toBe("max sojourn of 25 ms reached while waiting (1/1 in flight, 0 waiting)");
    expect(gate.snapshot().queued).toBe(0);
  });

  it("refuses a waiter when its own deadline passes before the sojourn limit", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 1, maxSojournMs: 100 });
    admitted(await gate.acquire());
    const waiter = watch(gate.acquire({ deadline: clock.now() + 10 }));
    await clock.advanceAsync(9);
    expect(waiter.result).toBeUndefined();
    await clock.advanceAsync(1);
    const r = refused(waiter.result);
    expect(r.reason).toBe("deadline");
    expect(r.detail).toBe("deadline passed after waiting 10 ms (1/1 in flight, 0 waiting)");
  });

  it("refuses at once when the deadline has already passed, even if a slot is free", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock);
    const r = refused(await gate.acquire({ deadline: clock.now() - 5 }));
    expect(r.reason).toBe("deadline");
    expect(r.detail).toBe("deadline passed 5 ms before admission was requested");
    expect(gate.snapshot().inFlight).toBe(0);
  });

  it("admits waiters in FIFO order as slots are released", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 1 });
    const first = admitted(await gate.acquire());
    const order: string[] = [];
    const waiters = ["a", "b", "c"].map(async (name) => {
      const r = admitted(await gate.acquire());
      order.push(name);
      await clock.sleep(1);
      r.release();
    });
    await clock.advanceAsync(3);
    first.release();
    await clock.advanceAsync(5);
    await Promise.all(waiters);
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("admits a rate-limited waiter when the next token refills, then disarms its timers", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 10, ratePerSecond: 20, burst: 1 });
    admitted(await gate.acquire());
    const waiter = watch(gate.acquire());
    await clock.advanceAsync(49);
    expect(waiter.result).toBeUndefined();
    await clock.advanceAsync(1);
    expect(admitted(waiter.result).waitedMs).toBe(50);
    expect(clock.pending).toBe(0);
  });

  it("does not let a newcomer overtake a waiter when a token refills", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 10, ratePerSecond: 10, burst: 1 });
    admitted(await gate.acquire());
    const waiter = watch(gate.acquire());
    clock.advance(99);
    expect(refused(gate.tryAcquire()).reason).toBe("rate");
    clock.advance(1);
    const newcomer = gate.tryAcquire();
    await flushMicrotasks();
    expect(admitted(waiter.result).waitedMs).toBe(100);
    expect(refused(newcomer).reason).toBe("rate");
  });

  it("frees one slot however many times a ticket is released", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 2, maxSojournMs: 0 });
    const a = admitted(gate.tryAcquire());
    admitted(gate.tryAcquire());
    a.release();
    a.release();
    expect(gate.snapshot().inFlight).toBe(1);
    admitted(gate.tryAcquire());
    expect(refused(gate.tryAcquire()).reason).toBe("concurrency");
  });

  it("counts admissions and refusals in its snapshot", async () => {
    const clock = new FakeScheduler();
    const gate = admission(clock, { maxConcurrency: 3, ratePerSecond: 50, maxSojournMs: 0 });
    admitted(gate.tryAcquire());
    admitted(await gate.acquire());
    admitted(gate.tryAcquire());
    refused(gate.tryAcquire());
    expect(gate.snapshot()).toEqual({
      inFlight: 3,
      queued: 0,
      admitted: 3,
      refused: 1,
      limit: 3,
      ratePerSecond: 50,
    });
  });

  it("validates its options eagerly, naming the field and the limit", () => {
    const clock = new FakeScheduler();
    expect(() => admission(clock, { maxConcurrency: 0 })).toThrow(
      "maxConcurrency must be an integer >= 1, got 0",
    );
    expect(() => admission(clock, { ratePerSecond: Number.POSITIVE_INFINITY })).toThrow(
      "ratePerSecond must be a finite number > 0, got Infinity",
    );
    expect(() => admission(clock, { burst: 0 })).toThrow("burst must be an integer >= 1, got 0");
    expect(() => admission(clock, { maxSojournMs: -1 })).toThrow(
      "maxSojournMs must be a finite number >= 0, got -1",
    );
    expect(() => admission(clock, { maxQueue: 1.5 })).toThrow(
      "maxQueue must be an integer >= 0, got 1.5",
    );
  });

  it("admitNow admits only what acquire would admit at once, never overtakes a waiter, and counts no refusal", async () => {
    // A clock moved by hand and timers that never fire: a waiter's token can be due before
    // anything drains the queue for it, which is when a newcomer could overtake.
    let now = 0;
    const gate = new Admission({
      maxConcurrency: 10,
      ratePerSecond: 1,
      burst: 1,
      maxSojournMs: 60_000,
      maxQueue: 10,
      now: () => now,
      setTimer: () => 0,
      clearTimer: () => {},
    });
    const first = gate.admitNow();
    expect(first).toMatchObject({ ok: true, waitedMs: 0 });
    expect(gate.admitNow()).toBeNull(); // no token until the next second
    const waiter = watch(gate.acquire());
    now += 1000; // the waiter's token is due
    expect(gate.admitNow()).toBeNull(); // it goes to the waiter, not to the newcomer
    await flushMicrotasks();
    expect(admitted(waiter.result).waitedMs).toBe(1000);
    now += 1000;
    expect(gate.admitNow()).toMatchObject({ ok: true });
    expect(gate.snapshot()).toMatchObject({ admitted: 3, refused: 0, queued: 0 });
  });

  describe("with its default clock and timers", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("expires a waiter through setTimeout at maxSojournMs", async () => {
      vi.useFakeTimers();
      const gate = new Admission({
        maxConcurrency: 1,
        ratePerSecond: 100,
        burst: 10,
        maxSojournMs: 25,
        maxQueue: 4,
      });
      admitted(await gate.acquire());
      const waiter = watch(gate.acquire());
      await vi.advanceTimersByTimeAsync(24);
      expect(waiter.result).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(refused(waiter.result).reason).toBe("sojourn");
    });
  });
});
