import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cronMatches, cronsOf } from "../../scripts/lib/cron.mjs";
import { devArgs } from "../../scripts/lib/dev-args.mjs";

const at = (iso: string) => new Date(iso);

describe("npm start switches", () => {
  it("turns --faults into FAULT_INJECTION=on and passes --var and other flags through", () => {
    const { vars, args } = devArgs([
      "--faults",
      "--var",
      "RATE_LIMIT_PER_MINUTE:3",
      "--var=NOTE:a:b",
      "--log-level",
      "warn",
    ]);
    expect(vars).toEqual({ FAULT_INJECTION: "on", RATE_LIMIT_PER_MINUTE: "3", NOTE: "a:b" });
    expect(args).toEqual([
      "--var",
      "FAULT_INJECTION:on",
      "--var",
      "RATE_LIMIT_PER_MINUTE:3",
      "--var",
      "NOTE:a:b",
      "--log-level",
      "warn",
    ]);
  });

  it("refuses a --var without KEY:VALUE", () => {
    expect(() => devArgs(["--var", "NOCOLON"])).toThrow(/KEY:VALUE/);
    expect(() => devArgs(["--var"])).toThrow(/KEY:VALUE/);
  });
});

describe("local cron schedule", () => {
  it("reads the crons of wrangler.toml", () => {
    expect(cronsOf(readFileSync("wrangler.toml", "utf8"))).toEqual(["* * * * *"]);
  });

  it("matches the minutes a five-field expression names, in UTC", () => {
    expect(cronMatches("* * * * *", at("2026-12-02T01:07:00Z"))).toBe(true);
    expect(cronMatches("*/15 * * * *", at("2026-12-02T01:30:00Z"))).toBe(true);
    expect(cronMatches("*/15 * * * *", at("2026-12-02T01:31:00Z"))).toBe(false);
    expect(cronMatches("0 9-17 * * 1-5", at("2026-12-02T10:00:00Z"))).toBe(true); // Wednesday
    expect(cronMatches("0 9-17 * * 1-5", at("2026-12-06T10:00:00Z"))).toBe(false); // Sunday
    expect(cronMatches("0 0 * * 7", at("2026-12-06T00:00:00Z"))).toBe(true); // 7 is Sunday too
    expect(cronMatches("5,10 * * * *", at("2026-12-02T01:10:00Z"))).toBe(true);
  });

  it("throws on syntax it cannot follow instead of never firing", () => {
    expect(() => cronMatches("0 0 * * MON", at("2026-12-02T00:00:00Z"))).toThrow(/not supported/);
    expect(() => cronMatches("* * * *", at("2026-12-02T00:00:00Z"))).toThrow(/5 fields/);
  });
});
