import { describe, expect, it } from "vitest";
import {
  affectedChildren,
  checkChildSpecs,
  crashReason,
  DEFAULT_FLAGS,
  isNormalExit,
  parseFlags,
  recordRestart,
  resolveSpec,
  shouldAutoShutdown,
  shouldRestart,
} from "../../core/supervision";

describe("recordRestart", () => {
  it("exceeds on the first restart when intensity is 0", () => {
    expect(recordRestart([], 1000, { intensity: 0, periodMs: 5000 })).toEqual({
      history: [1000],
      exceeded: true,
    });
  });

  it("allows 3 restarts within 10 s under intensity 3 and exceeds on the 4th", () => {
    const flags = { intensity: 3, periodMs: 10_000 };
    let history: number[] = [];
    for (const at of [0, 1000, 2000]) {
      const r = recordRestart(history, at, flags);
      expect(r.exceeded).toBe(false);
      history = r.history;
    }
    expect(recordRestart(history, 9999, flags)).toEqual({
      history: [0, 1000, 2000, 9999],
      exceeded: true,
    });
  });

  it("does not exceed when older restarts have aged out of the window", () => {
    const flags = { intensity: 3, periodMs: 10_000 };
    expect(recordRestart([0, 1000, 2000], 10_001, flags)).toEqual({
      history: [1000, 2000, 10_001],
      exceeded: false,
    });
  });

  it("counts a restart exactly periodMs ago as inside the window, as OTP does (R >= Now - Period)", () => {
    const r = recordRestart([5000], 10_000, { intensity: 1, periodMs: 5000 });
    expect(r).toEqual({ history: [5000, 10_000], exceeded: true });
  });

  it("drops a restart older than periodMs from the window", () => {
    const r = recordRestart([4999], 10_000, { intensity: 1, periodMs: 5000 });
    expect(r).toEqual({ history: [10_000], exceeded: false });
  });

  it("does not mutate the history it was given", () => {
    const history = Object.freeze([1, 2]);
    recordRestart(history, 3, { intensity: 5, periodMs: 100 });
    expect(history).toEqual([1, 2]);
  });
});

describe("shouldRestart", () => {
  it("always restarts a permanent child", () => {
    expect(["normal", "shutdown", "crash"].map((r) => shouldRestart("permanent", r))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("restarts a transient child only after an abnormal exit", () => {
    expect(shouldRestart("transient", "normal")).toBe(false);
    expect(shouldRestart("transient", "shutdown")).toBe(false);
    expect(shouldRestart("transient", "crash")).toBe(true);
    expect(shouldRestart("transient", "killed")).toBe(true);
  });

  it("treats shutdown:<detail> as clean, as OTP treats {shutdown, Term}", () => {
    expect(["normal", "shutdown", "shutdown:drained"].map(isNormalExit)).toEqual([
      true,
      true,
      true,
    ]);
    expect(["shutdownx", "crash", "killed"].map(isNormalExit)).toEqual([false, false, false]);
    expect(shouldRestart("transient", "shutdown:drained")).toBe(false);
  });

  it("reports a crash as abnormal even when its message spells a clean exit", () => {
    const reasons = ["normal", "shutdown", "shutdown:drained", "boom"].map((m) =>
      crashReason(new Error(m)),
    );
    expect(reasons).toEqual([
      "crash: normal",
      "crash: shutdown",
      "crash: shutdown:drained",
      "boom",
    ]);
    expect(reasons.map((r) => shouldRestart("transient", r))).toEqual([true, true, true, true]);
    expect(crashReason("a thrown string")).toBe("a thrown string");
  });

  it("never restarts a temporary child", () => {
    expect(["normal", "crash"].map((r) => shouldRestart("temporary", r))).toEqual([false, false]);
  });
});

describe("affectedChildren", () => {
  const children = ["db", "cache", "api", "worker"];

  it("restarts only the crashed child under one_for_one", () => {
    expect(affectedChildren("one_for_one", children, "cache")).toEqual(["cache"]);
  });

  it("restarts every child under one_for_all", () => {
    expect(affectedChildren("one_for_all", children, "cache")).toEqual(children);
  });

  it("restarts the crashed child and those started after it under rest_for_one", () => {
    expect(affectedChildren("rest_for_one", children, "cache")).toEqual(["cache", "api", "worker"]);
    expect(affectedChildren("rest_for_one", children, "worker")).toEqual(["worker"]);
  });

  it("restarts only the failed instance under simple_one_for_one", () => {
    expect(affectedChildren("simple_one_for_one", children, "api")).toEqual(["api"]);
  });

  it("affects nothing when the failed child is no longer supervised", () => {
    expect(affectedChildren("one_for_all", children, "ghost")).toEqual([]);
  });
});

describe("parseFlags", () => {
  it("fills missing fields from the OTP defaults", () => {
    expect(DEFAULT_FLAGS).toEqual({
      strategy: "one_for_one",
      intensity: 1,
      periodMs: 5000,
      autoShutdown: "never",
    });
    expect(parseFlags({})).toEqual(DEFAULT_FLAGS);
  });

  it("accepts numbers as decimal strings, as env vars deliver them", () => {
    expect(parseFlags({ strategy: "rest_for_one", intensity: "5", periodMs: "10000" })).toEqual({
      strategy: "rest_for_one",
      intensity: 5,
      periodMs: 10_000,
      autoShutdown: "never",
    });
    expect(parseFlags({ intensity: 0 }).intensity).toBe(0);
  });

  it("names the field and the limit when a flag is invalid", () => {
    expect(() => parseFlags({ strategy: "one_for_some" })).toThrow(
      'strategy must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one, got "one_for_some"',
    );
    expect(() => parseFlags({ intensity: -1 })).toThrow(
      "intensity must be an integer >= 0, got -1",
    );
    expect(() => parseFlags({ periodMs: "0" })).toThrow(
      'periodMs must be an integer >= 1, got "0"',
    );
    expect(() => parseFlags({ periodMs: 1.5 })).toThrow(
      "periodMs must be an integer >= 1, got 1.5",
    );
  });

  it("renders env-style names for an upper-case field prefix", () => {
    expect(() => parseFlags({ periodMs: "soon" }, "SUPERVISOR_")).toThrow(
      'SUPERVISOR_PERIOD_MS must be an integer >= 1, got "soon"',
    );
    expect(() => parseFlags({ intensity: "x" }, "supervisor.")).toThrow(
      'supervisor.intensity must be an integer >= 0, got "x"',
    );
  });
});

describe("parseFlags autoShutdown", () => {
  it("accepts never, any_significant and all_significant and names the field otherwise", () => {
    expect(parseFlags({ autoShutdown: "all_significant" }).autoShutdown).toBe("all_significant");
    expect(() => parseFlags({ autoShutdown: "some" })).toThrow(
      'autoShutdown must be one of never, any_significant, all_significant, got "some"',
    );
  });
});

describe("resolveSpec", () => {
  const address = { binding: "B", name: "n" };

  it("fills OTP's defaults: permanent, actor, 5000 ms for actors, infinity for supervisors, not significant", () => {
    expect(resolveSpec({ id: "a", address }, "never")).toEqual({
      ok: true,
      spec: {
        id: "a",
        address,
        restart: "permanent",
        kind: "actor",
        shutdown: 5000,
        significant: false,
      },
    });
    expect(resolveSpec({ id: "s", address, kind: "supervisor" }, "never")).toMatchObject({
      spec: { shutdown: "infinity" },
    });
  });

  it("names the child and the field of every refusal instead of throwing", () => {
    const cases: [object, string][] = [
      [{ address }, "id"],
      [{ id: "a" }, "address"],
      [{ id: "a", address: { name: "n" } }, "address.binding"],
      [{ id: "a", address: { binding: "B" } }, "address.name"],
      [{ id: "a", address, restart: "always" }, "restart"],
      [{ id: "a", address, kind: "worker" }, "kind"],
      [{ id: "a", address, shutdown: 1.5 }, "shutdown"],
      [{ id: "a", address, shutdown: "never" }, "shutdown"],
      [{ id: "a", address, significant: "yes" }, "significant"],
    ];
    for (const [input, field] of cases) {
      expect(resolveSpec(input, "never"), field).toMatchObject({
        error: "invalid_child_spec",
        field,
      });
    }
    expect(resolveSpec(null, "never")).toMatchObject({ child: null, field: "spec" });
  });

  it("allows significant only on transient or temporary children and only with an autoShutdown", () => {
    const significant = { id: "a", address, significant: true };
    expect(resolveSpec({ ...significant, restart: "transient" }, "never")).toMatchObject({
      field: "significant",
    });
    expect(resolveSpec(significant, "any_significant")).toMatchObject({ field: "significant" });
    expect(resolveSpec({ ...significant, restart: "temporary" }, "any_significant")).toMatchObject({
      ok: true,
    });
  });

  it("lets a simple_one_for_one template leave the object name to its instances", () => {
    expect(resolveSpec({ id: "t", address: { binding: "B" } }, "never", true)).toMatchObject({
      ok: true,
      spec: { address: { binding: "B", name: "" } },
    });
  });
});

describe("checkChildSpecs", () => {
  it("answers the specs in order, or the first error, or a duplicate id", () => {
    const a = { id: "a", address: { binding: "B", name: "a" } };
    const b = { id: "b", address: { binding: "B", name: "b" } };
    expect(checkChildSpecs([a, b])).toMatchObject({ ok: true, specs: [{ id: "a" }, { id: "b" }] });
    expect(checkChildSpecs([a, { ...b, restart: "x" }])).toMatchObject({
      child: "b",
      field: "restart",
    });
    expect(checkChildSpecs([a, a])).toMatchObject({ error: "duplicate_child_id", child: "a" });
    expect(checkChildSpecs("a")).toMatchObject({ field: "children" });
  });
});

describe("shouldAutoShutdown", () => {
  it("never shuts down under never or for a non-significant child", () => {
    expect(shouldAutoShutdown("never", true, 0)).toBe(false);
    expect(shouldAutoShutdown("any_significant", false, 0)).toBe(false);
  });

  it("shuts down on any significant exit under any_significant, on the last one under all_significant", () => {
    expect(shouldAutoShutdown("any_significant", true, 3)).toBe(true);
    expect(shouldAutoShutdown("all_significant", true, 1)).toBe(false);
    expect(shouldAutoShutdown("all_significant", true, 0)).toBe(true);
  });
});
