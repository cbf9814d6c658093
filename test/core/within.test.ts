import { afterEach, describe, expect, it, vi } from "vitest";
import { type Within, within } from "../../core/time";
import { FakeScheduler, flushMicrotasks } from "./fake-scheduler";

/** A promise settled from outside, as the work of a test. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The outcome of `wait` once it has one, `undefined` while it has none. */
function watch<T>(wait: Promise<Within<T>>) {
  const seen: { outcome?: Within<T> } = {};
  void wait.then((outcome) => {
    seen.outcome = outcome;
  });
  return seen;
}

describe("within", () => {
  it("answers the work's value when it settles first, and clears its timer", async () => {
    const clock = new FakeScheduler();
    const work = deferred<number>();
    const wait = watch(within(work.promise, 1000, clock));
    expect(clock.pending).toBe(1);
    await clock.advanceAsync(999);
    expect(wait.outcome).toBeUndefined();
    work.resolve(7);
    await flushMicrotasks();
    expect(wait.outcome).toEqual({ ended: "value", value: 7 });
    expect(clock.pending).toBe(0);
  });

  it("answers the work's own error when it rejects first, and clears its timer", async () => {
    const clock = new FakeScheduler();
    const work = deferred<number>();
    const wait = watch(within(work.promise, 1000, clock));
    const error = new Error("the monitor is down");
    work.reject(error);
    await flushMicrotasks();
    expect(wait.outcome).toEqual({ ended: "error", error });
    expect(wait.outcome?.ended === "error" && wait.outcome.error).toBe(error);
    expect(clock.pending).toBe(0);
  });

  it("answers timeout exactly at the limit, and the work settling later changes nothing", async () => {
    const clock = new FakeScheduler();
    const work = deferred<number>();
    const wait = watch(within(work.promise, 50, clock));
    await clock.advanceAsync(49);
    expect(wait.outcome).toBeUndefined();
    await clock.advanceAsync(1);
    expect(wait.outcome).toEqual({ ended: "timeout" });
    expect(clock.pending).toBe(0);
    work.reject(new Error("too late")); // handled by `within`: not an unhandled rejection
    await flushMicrotasks();
    expect(wait.outcome).toEqual({ ended: "timeout" });
  });

  it("sets no timer for an Infinity limit and waits for the work", async () => {
    const clock = new FakeScheduler();
    const work = deferred<string>();
    const wait = watch(within(work.promise, Number.POSITIVE_INFINITY, clock));
    expect(clock.pending).toBe(0);
    await clock.advanceAsync(10_000);
    expect(wait.outcome).toBeUndefined();
    work.resolve("done");
    await flushMicrotasks();
    expect(wait.outcome).toEqual({ ended: "value", value: "done" });
  });

  it("refuses a negative or NaN limit", () => {
    const work = Promise.resolve(1);
    expect(() => within(work, -1)).toThrow("ms must be a number >= 0 or Infinity, got -1");
    expect(() => within(work, Number.NaN)).toThrow(RangeError);
  });

  describe("with its default timers", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("leaves no timer behind when the work wins", async () => {
      vi.useFakeTimers();
      const waiting = within(Promise.resolve("fast"), 3000);
      expect(vi.getTimerCount()).toBe(1);
      expect(await waiting).toEqual({ ended: "value", value: "fast" });
      expect(vi.getTimerCount()).toBe(0);
      const failing = within(Promise.reject(new Error("fast failure")), 3000);
      expect((await failing).ended).toBe("error");
      expect(vi.getTimerCount()).toBe(0);
    });

    it("times out through setTimeout at the limit", async () => {
      vi.useFakeTimers();
      const wait = watch(within(new Promise<never>(() => {}), 25));
      await vi.advanceTimersByTimeAsync(24);
      expect(wait.outcome).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(wait.outcome).toEqual({ ended: "timeout" });
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
