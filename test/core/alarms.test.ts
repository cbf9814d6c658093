import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALARMS,
  type Alarm,
  alarmId,
  allowAction,
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
