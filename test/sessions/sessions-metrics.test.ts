import { env } from "cloudflare:workers";
import type { ParsedFamily } from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { sample, scrapeUntil, settledScrape, TEST_BUDGET_MS } from "../visibility/scrape";
import { session, sessionStub, uniqueUser } from "./helpers";

const restarts = (f: ParsedFamily[]) =>
  sample(f, FAMILIES.restarts.name, { service: "sessions" }) ?? 0;

describe("Sessions in /metrics", { timeout: TEST_BUDGET_MS }, () => {
  it("counts a crashed session restarted by its partition supervisor as a restart of sessions", async () => {
    expect(env.VISIBILITY).toBe("on");
    const user = uniqueUser();
    await session(user).call("start", { device: "phone" });
    const before = await settledScrape([FAMILIES.restarts.name]);
    await sessionStub(user).injectFault({ kind: "crash", count: 1, ms: 0, step: 1 });
    expect(await session(user).call("start", { device: "phone" })).toMatchObject({
      ok: false,
      code: "internal-error",
    });
    const after = await scrapeUntil((f) => restarts(f) > restarts(before));
    expect(restarts(after) - restarts(before)).toBe(1);
    expect(await session(user).call("get", null)).toMatchObject({ ok: true });
  });

  it("counts a session's messages in bulwark_actor_messages_total with no metrics code in the service", async () => {
    const started = (f: ParsedFamily[]) =>
      sample(f, FAMILIES.actorMessages.name, {
        service: "sessions",
        command: "start",
        outcome: "ok",
      }) ?? 0;
    const before = await settledScrape([FAMILIES.actorMessages.name]);
    await session(uniqueUser()).call("start", { device: "phone" });
    await session(uniqueUser()).call("start", { device: "laptop" });
    const after = await scrapeUntil((f) => started(f) >= started(before) + 2);
    expect(started(after) - started(before)).toBe(2);
  });
});
