import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("the workers tests' env", () => {
  // CI writes a hostile .dev.vars (RATE_LIMIT_PER_MINUTE=3, FAULT_INJECTION=off) before
  // `npm test`: these pass only if no local setting reaches the tests.
  it("holds exactly the values vitest.config.ts pins, whatever .dev.vars says", () => {
    const pinned = JSON.parse(env.TEST_PINNED_VARS) as Record<string, string>;
    const seen = Object.fromEntries(
      Object.keys(pinned).map((key) => [key, (env as unknown as Record<string, unknown>)[key]]),
    );
    expect(seen).toEqual(pinned);
    expect(pinned.RATE_LIMIT_PER_MINUTE).toBe("6000");
    expect(pinned.FAULT_INJECTION).toBe("on");
  });
});
