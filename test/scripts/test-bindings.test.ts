import { describe, expect, it } from "vitest";
import { dotenvKeys, pinnedBindings } from "../config/test-bindings";

describe("workers test bindings", () => {
  it("pin every wrangler.toml var so a local .dev.vars value can never reach a test", () => {
    const pinned = pinnedBindings(
      { RATE_LIMIT_PER_MINUTE: "6000", FAULT_INJECTION: "off" },
      { FAULT_INJECTION: "on", ADMIN_TOKEN: "t" },
      dotenvKeys("ADMIN_TOKEN=local\n# comment\nRATE_LIMIT_PER_MINUTE=3\n"),
    );
    // The pool applies .dev.vars first and these bindings over it: the pinned value wins.
    const seen = { ADMIN_TOKEN: "local", RATE_LIMIT_PER_MINUTE: "3", ...pinned };
    expect(seen).toEqual({
      RATE_LIMIT_PER_MINUTE: "6000",
      FAULT_INJECTION: "on",
      ADMIN_TOKEN: "t",
    });
  });

  it("refuse a local key they do not pin, naming it", () => {
    expect(() => pinnedBindings({}, {}, ["NOTIFY_WEBHOOK_URL"])).toThrow(
      /set NOTIFY_WEBHOOK_URL, which the workers tests do not pin/,
    );
  });

  it("read keys from dotenv text with export prefixes and comments", () => {
    expect(dotenvKeys("export A=1\n  B = 2\n#C=3\n\nD=\n")).toEqual(["A", "B", "D"]);
  });
});
