import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALARMS,
  type Alarm,
  alarmId,
  allowAction,
  BackgroundCopy,
  bySeverity,
  IDLE,
  observe,
  parseAlarmId,
  summarize,
  Threshold,
} from "../../core/alarms";

const WINDOWS = { raiseAfterMs: 10_000, clearAfterMs: 30_000 };

describe("alarm ids", () => {
  it("are stable, URL-safe and give back the identity they were made from", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(ALARMS)), fc.string(), (name, source) => {
        const id = alarmId(name, source);
        expect(id).toMatch(/^[A-Za-z0-9._-]+$/);
        expect(alarmId(name, source)).toBe(id);
        expect(encodeURIComponent(id)).toBe(id);
        expect(parseAlarmId(id)).toEqual({ name, source });
      }),
    );
  });

  it("differ for identities that differ only in where the name ends", () => {
    expect(alarmId("overload", "a.b")).not.toBe(alarmId("overload.a", "b"));
  });

  it("refuse strings that are not alarm ids", () => {
    expect(parseAlarmId("no-dot")).toBeNull();
    expect(parseAlarmId("Bad.AA")).toBeNull();
    expect(parseAlarmId("x.a+b")).toBeNull();
  });
});

describe("threshold hysteresis", () => {
  it("raises only after the condition held for the raise window", () => {
    let s = observe(IDLE, true, 0, WINDOWS);
    expect(s.transition).toBeNull();
    s = observe(s.state, true, 9_999, WINDOWS);
    expect(s.transition).toBeNull();
    s = observe(s.state, true, 10_000, WINDOWS);
    expect(s).toEqual({ state: { active: true, since: null }, transition: "raise" });
  });

  it("clears only after the condition stayed clear for the clear window", () => {
    let s = observe({ active: true, since: null }, false, 100, WINDOWS);
    s = observe(s.state, false, 30_099, WINDOWS);
    expect(s.transition).toBeNull();
    s = observe(s.state, true, 30_099, WINDOWS);
    s = observe(s.state, false, 30_100, WINDOWS);
    expect(s.transition).toBeNull(); // the breach restarted the clear window
    s = observe(s.state, false, 60_100, WINDOWS);
    expect(s.transition).toBe("clear");
  });

  it("raises at the first breach when the raise window is zero", () => {
    expect(observe(IDLE, true, 5, { raiseAfterMs: 0, clearAfterMs: 1 }).transition).toBe("raise");
  });

  it("raises a flapping signal at most once, whatever the flapping (injected clock)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 12_000 }), on: fc.boolean() }), {
          maxLength: 200,
        }),
        (samples) => {
          let now = 0;
          const gate = new Threshold(WINDOWS, () => now);
          const transitions: string[] = [];
          for (const { dt, on } of samples) {
            now += dt;
            const t = gate.sample(on);
            if (t) transitions.push(t);
          }
          // Transitions alternate, and a raise never follows a raise.
          expect(transitions).toEqual(transitions.map((_, i) => (i % 2 === 0 ? "raise" : "clear")));
        },
      ),
    );
  });

  it("never raises a signal that flaps faster than the raise window", () => {
    let now = 0;
    const gate = new Threshold(WINDOWS, () => now);
    const transitions: (string | null)[] = [];
    for (let i = 0; i < 1000; i++) {
      now += 1_000;
      transitions.push(gate.sample(i % 5 !== 4)); // on for 4 s, off for 1 s, forever
    }
    expect(transitions.filter((t) => t !== null)).toEqual([]);
  });
});

describe("automation rate limit", () => {
  const limit = { max: 2, perMs: 60_000 };
  it("allows max actions per window and says when the next one is allowed", () => {
    let times: number[] = [];
    for (const now of [0, 10]) {
      const r = allowAction(times, now, limit);
      expect(r.allowed).toBe(true);
      times = r.times;
    }
    const refused = allowAction(times, 20, limit);
    expect(refused).toMatchObject({ allowed: false, nextAt: 60_000 });
    expect(allowAction(refused.times, 60_000, limit).allowed).toBe(true);
  });
});

describe("summary and ordering", () => {
  const alarm = (severity: Alarm["severity"], raisedAt: string, ack = false): Alarm => ({
    id: alarmId("overload", raisedAt),
    name: "overload",
    source: raisedAt,
    severity,
    description: "",
    probableCause: "",
    repairAction: "",
    raisedAt,
    updatedAt: raisedAt,
    acknowledged: ack ? { by: "admin", at: raisedAt } : null,
  });

  it("counts every severity, new and acknowledged apart", () => {
    expect(
      summarize([alarm("major", "1"), alarm("major", "2", true), alarm("warning", "3")]),
    ).toEqual({
      critical: { new: 0, acknowledged: 0 },
      major: { new: 1, acknowledged: 1 },
      minor: { new: 0, acknowledged: 0 },
      warning: { new: 1, acknowledged: 0 },
    });
  });

  it("sorts most severe first, then oldest first", () => {
    const sorted = [alarm("warning", "1"), alarm("critical", "3"), alarm("critical", "2")].sort(
      bySeverity,
    );
    expect(sorted.map((a) => a.source)).toEqual(["2", "3", "1"]);
  });
});

describe("BackgroundCopy (the edge's copy of the automation state)", () => {
  it("fetches at most once per max age however many reads, and answers the copy at once", async () => {
    let now = 0;
    let fetches = 0;
    const copy = new BackgroundCopy("initial", 2000, () => now);
    const fetch = async () => `v${++fetches}`;
    const errors: unknown[] = [];
    const first = copy.read(fetch, (e) => errors.push(e));
    expect(first.value).toBe("initial"); // never waits for the fetch
    for (let i = 0; i < 100; i++)
      expect(copy.read(fetch, (e) => errors.push(e)).refresh).toBeNull();
    await first.refresh;
    now = 1999;
    expect(copy.read(fetch, (e) => errors.push(e))).toEqual({ value: "v1", refresh: null });
    now = 2000;
    const second = copy.read(fetch, (e) => errors.push(e));
    expect(second.refresh).not.toBeNull();
    await second.refresh;
    expect(copy.read(fetch, (e) => errors.push(e)).value).toBe("v2");
    expect(fetches).toBe(2);
    expect(errors).toEqual([]);
  });

  it("keeps the old copy when a refresh fails and tries again after the max age", async () => {
    let now = 0;
    const copy = new BackgroundCopy(1, 1000, () => now);
    const errors: unknown[] = [];
    await copy.read(
      async () => 2,
      (e) => errors.push(e),
    ).refresh;
    now = 1000;
    await copy.read(
      async () => Promise.reject(new Error("down")),
      (e) => errors.push(e),
    ).refresh;
    expect(errors).toHaveLength(1);
    expect(
      copy.read(
        async () => 3,
        (e) => errors.push(e),
      ).value,
    ).toBe(2);
    now = 2000;
    await copy.read(
      async () => 3,
      (e) => errors.push(e),
    ).refresh;
    expect(
      copy.read(
        async () => 4,
        (e) => errors.push(e),
      ).value,
    ).toBe(3);
  });

  it("starts another refresh after the max age though the last never settled (its request was cancelled), and never takes an older answer over a newer one", async () => {
    // In workerd a refresh whose request was cancelled can stay pending for ever: the copy
    // must not wait for it, or it would never refresh again in that isolate.
    let now = 0;
    const copy = new BackgroundCopy("initial", 1000, () => now);
    const errors: unknown[] = [];
    const read = (fetch: () => Promise<string>) => copy.read(fetch, (e) => errors.push(e));
    let answerStuck: (value: string) => void = () => {};
    const first = read(
      () =>
        new Promise<string>((resolve) => {
          answerStuck = resolve;
        }),
    );
    expect(first.refresh).not.toBeNull();
    now = 999;
    expect(read(async () => "early").refresh).toBeNull();
    now = 1000;
    const second = read(async () => "fresh");
    expect(second.refresh).not.toBeNull();
    await second.refresh;
    expect(read(async () => "x").value).toBe("fresh");
    answerStuck("late"); // the first refresh lands after the newer one: not taken
    await first.refresh;
    expect(read(async () => "x").value).toBe("fresh");
    expect(errors).toEqual([]);
  });
});
