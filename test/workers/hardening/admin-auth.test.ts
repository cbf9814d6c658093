import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN_AUTH_GUARD } from "../../../durable-objects/admin-auth";
import { alarmManager } from "../../../durable-objects/visibility/alarms";
import { ADMIN, expectProblem, http } from "../client";

/** Defaults (no ADMIN_AUTH_* vars in the test pool): 5 failures per 60 s window, alarm at 20. */
const asClient = (client: string, token: string) =>
  http("GET", "/v1/ops/supervision", {
    headers: { "CF-Connecting-IP": client, Authorization: token },
  });

const guard = () => env.ADMIN_AUTH.get(env.ADMIN_AUTH.idFromName(ADMIN_AUTH_GUARD));

const logged = (spy: ReturnType<typeof vi.spyOn>, event: string) =>
  spy.mock.calls
    .map((args: unknown[]) => String(args[0]))
    .filter((line: string) => line.includes(`"event":"${event}"`));

describe("Admin token guessing", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers 401 to the first 5 wrong tokens, then 429 + Retry-After, even for the right token", async () => {
    const warn = vi.spyOn(console, "warn");
    for (let i = 0; i < 5; i++) {
      expectProblem(await asClient("203.0.113.1", `Bearer guess-${i}`), 401, "unauthorized");
    }
    const throttled = await asClient("203.0.113.1", "Bearer guess-6");
    expectProblem(throttled, 429, "rate-limited");
    const retryAfter = Number(throttled.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A right guess now must look like any other: refused, so guessing stays bounded.
    expectProblem(await asClient("203.0.113.1", ADMIN), 429, "rate-limited");
    // Another client is not affected.
    expect((await asClient("203.0.113.2", ADMIN)).status).toBe(200);
    const failed = logged(warn, "admin-auth-failed");
    expect(failed).toHaveLength(5);
    expect(JSON.parse(failed[4] ?? "{}")).toMatchObject({ client: "203.0.113.1", failures: 5 });
    expect(logged(warn, "admin-auth-throttled")).toHaveLength(1);
  });

  it("counts an IPv6 client by its /64: rotating addresses inside it buys no new guesses", async () => {
    for (let i = 1; i <= 5; i++) {
      expectProblem(await asClient(`2001:db8:7:7::${i}`, "Bearer nope"), 401, "unauthorized");
    }
    expectProblem(await asClient("2001:db8:7:7:ffff::9", "Bearer nope"), 429, "rate-limited");
    expectProblem(await asClient("2001:0DB8:0007:0007::a", ADMIN), 429, "rate-limited");
    // The neighbouring network is another client.
    expect((await asClient("2001:db8:7:8::1", ADMIN)).status).toBe(200);
  });

  it("keeps the count in one object for the deployment, not in the isolate that answered", async () => {
    for (let i = 0; i < 5; i++) await asClient("203.0.113.3", "Bearer nope");
    expect(await guard().check("203.0.113.3")).toMatchObject({ blocked: true });
    expect(await guard().check("203.0.113.4")).toMatchObject({ blocked: false });
  });

  it("raises the burst alarm once when failures across clients reach the threshold in a window", async () => {
    const warn = vi.spyOn(console, "warn");
    for (let i = 0; i < 30; i++) {
      await asClient(`203.0.113.${100 + (i % 25)}`, "Bearer wrong");
      if (logged(warn, "admin-auth-alarm").length > 0) break;
    }
    const alarms = logged(warn, "admin-auth-alarm");
    expect(alarms).toHaveLength(1);
    expect(JSON.parse(alarms[0] ?? "{}")).toMatchObject({
      name: "admin-auth-failures",
      failures: 20,
    });
    for (let i = 0; i < 5; i++) await asClient("203.0.113.200", "Bearer wrong");
    expect(logged(warn, "admin-auth-alarm")).toHaveLength(1);
    // Raised in the alarm manager, sourced to the deployment rather than a client address.
    const view = await alarmManager(env).list();
    const raised = view.active.filter((a) => a.name === "admin-auth-failures");
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ source: "deployment", severity: "major" });
    const events = view.history.filter((e) => e.name === "admin-auth-failures");
    expect(events.map((e) => e.event)).toEqual(["raised"]);
  });
});
