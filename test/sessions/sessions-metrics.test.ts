import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ParsedFamily } from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { createApp } from "../../workers/app";
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
  it("counts a session request the edge rate-limited as shed by sessions, not by the edge", async () => {
    const shed = (f: ParsedFamily[]) =>
      sample(f, FAMILIES.shed.name, { service: "sessions", reason: "rate-limited" }) ?? 0;
    const before = await settledScrape([FAMILIES.shed.name]);
    const app = createApp();
    const limited = { ...env, RATE_LIMIT_PER_MINUTE: "1" };
    const client = `2001:db8:${Math.floor(Math.random() * 0x10000).toString(16)}::1`;
    const user = uniqueUser("shed");
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const request = new Request(`http://edge.test/v1/sessions/${user}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": client },
        body: JSON.stringify({ device: "phone" }),
      });
      statuses.push((await app.fetch(request, limited, createExecutionContext())).status);
    }
    expect(statuses).toEqual([201, 429]);
    const after = await scrapeUntil((f) => shed(f) > shed(before));
    expect(shed(after) - shed(before)).toBe(1);
  });
});
