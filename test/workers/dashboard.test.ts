import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../workers/app";
import { dashboardConfig } from "../../workers/dashboard/config";
import { ADMIN, expectProblem, http, injectFault, putSku, uniqueSku } from "./client";
import { SERVICES, shardCount } from "./services";
import { EventStreamReader } from "./sse";

const placeHold = (sku: string) => http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });

/** Opens `GET /v1/ops/live` through the edge app with extra vars over the pool's bindings. */
async function openLive(vars: Record<string, string> = {}, token = ADMIN) {
  const request = new Request("http://edge.test/v1/ops/live", {
    headers: { Authorization: token },
  });
  const response = await app.fetch(request, { ...env, DASHBOARD_TICK_MS: "100", ...vars });
  return response;
}

async function liveReader(vars: Record<string, string> = {}) {
  const response = await openLive(vars);
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
  if (!response.body) throw new Error("the live stream has no body");
  return new EventStreamReader(response.body);
}

/** What a panel must say for an endpoint's current answer: its body, or why there is none. */
async function expectedPanel(path: string) {
  const r = await http("GET", path, { admin: true });
  if (r.status === 200) return { state: "ok", data: r.json };
  return { state: r.status === 404 ? "unavailable" : "error", status: r.status };
}

describe("dashboard pages", () => {
  it("redirects / to /dashboard with 302", async () => {
    const r = await exports.default.fetch("http://edge.test/", { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("Location")).toBe("/dashboard");
  });

  it("serves the HTML shell without auth, with the token form and no operational data", async () => {
    const r = await http("GET", "/dashboard");
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toMatch(/^text\/html/);
    const page = String(r.json);
    expect(page).toContain('<label for="token">Admin token</label>');
    expect(page).toContain('type="password"');
    expect(page).toMatch(/<main id="dashboard" hidden>/);
    expect(page).not.toMatch(/inventory-\d|"strategy"/);
    expect(r.headers.get("Cache-Control")).toBe("no-store");
  });

  it("allows only its own scripts plus the inline import map, by hash", async () => {
    const r = await http("GET", "/dashboard");
    const page = String(r.json);
    const importMap = /<script type="importmap">(.*?)<\/script>/s.exec(page)?.[1] ?? "";
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(importMap));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    const csp = r.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(JSON.parse(importMap)).toEqual({ imports: { uplot: "/dashboard/assets/uplot.mjs" } });
  });

  it("serves every file the page and its modules import, with the right content type", async () => {
    const page = String((await http("GET", "/dashboard")).json);
    const pending = [...page.matchAll(/(?:href|src)="(\/dashboard\/assets\/[^"]+)"/g)].map(
      (m) => m[1] ?? "",
    );
    pending.push("/dashboard/assets/uplot.mjs");
    const seen = new Set<string>();
    while (pending.length > 0) {
      const path = pending.pop() ?? "";
      if (seen.has(path)) continue;
      seen.add(path);
      const r = await http("GET", path);
      expect(r.status, path).toBe(200);
      const text = String(r.json);
      if (path.endsWith(".css")) {
        expect(r.headers.get("Content-Type"), path).toBe("text/css; charset=utf-8");
        continue;
      }
      expect(r.headers.get("Content-Type"), path).toBe("text/javascript; charset=utf-8");
      for (const m of text.matchAll(/from "\.\/([a-z-]+\.mjs)"/g))
        pending.push(`/dashboard/assets/${m[1]}`);
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        "/dashboard/assets/alarms-panel.mjs",
        "/dashboard/assets/charts-panel.mjs",
        "/dashboard/assets/live-channel.mjs",
        "/dashboard/assets/main.mjs",
        "/dashboard/assets/uplot.css",
        "/dashboard/assets/uplot.mjs",
      ]),
    );
  });

  it("answers 404 for an unknown asset, inherited object keys included, and 405 for a POST", async () => {
    expectProblem(await http("GET", "/dashboard/assets/nope.mjs"), 404, "not-found");
    expectProblem(await http("GET", "/dashboard/assets/constructor"), 404, "not-found");
    const post = await http("POST", "/dashboard");
    expectProblem(post, 405, "method-not-allowed");
    expect(post.headers.get("Allow")).toBe("GET, HEAD");
  });
});

describe("GET /v1/ops/shards", () => {
  it("refuses a request without the admin token", async () => {
    expectProblem(await http("GET", "/v1/ops/shards"), 401, "unauthorized");
  });

  it("lists every shard of both services and counts a shard's refusals for load", async () => {
    const sku = uniqueSku("heat");
    await putSku(sku, 10);
    expect(
      (await injectFault({ service: "inventory", sku, kind: "overload", count: 2 })).status,
    ).toBe(201);
    expectProblem(await placeHold(sku), 503, "overloaded");
    expectProblem(await placeHold(sku), 503, "overloaded");
    expect((await placeHold(sku)).status).toBe(201);
    const r = await http("GET", "/v1/ops/shards", { admin: true });
    expect(r.status).toBe(200);
    const services = r.json.services as Record<string, Array<Record<string, unknown>>>;
    for (const service of SERVICES) expect(services[service]).toHaveLength(shardCount(service));
    const hot = services.inventory?.filter((shard) => Number(shard.refusals) > 0) ?? [];
    expect(hot).toHaveLength(1);
    expect(hot[0]).toMatchObject({ refusals: 2, status: "running", inFlight: 0, queued: 0 });
    expect(hot[0]?.limit).toEqual(expect.any(Number));
  });
});

describe("GET /v1/ops/live", () => {
  it("refuses a missing or wrong token with 401 before streaming anything", async () => {
    expectProblem(await http("GET", "/v1/ops/live"), 401, "unauthorized");
    const wrong = await openLive({}, "Bearer not-the-token");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("Content-Type")).toBe("application/problem+json");
  });

  it("says hello with its settings, then mirrors the contract's endpoints as panels", async () => {
    const live = await liveReader({ DASHBOARD_TICK_MS: "250" });
    try {
      expect(await live.next()).toEqual({
        event: "hello",
        data: { tickMs: 250, streamMaxMs: 300_000 },
      });
      const supervision = await live.until("supervision");
      expect(supervision).toEqual({
        state: "ok",
        data: (await http("GET", "/v1/ops/supervision", { admin: true })).json,
      });
      expect(await live.until("shards")).toMatchObject({
        state: "ok",
        data: { services: expect.any(Object) },
      });
      for (const [event, path] of [
        ["alarms", "/v1/ops/alarms"],
        ["notifications", "/v1/ops/notifications"],
      ] as const) {
        const expected = await expectedPanel(path);
        expect(await live.until(event), event).toMatchObject(
          expected.state === "ok" ? { state: "ok", data: expect.any(Object) } : expected,
        );
      }
    } finally {
      await live.cancel();
    }
  });

  it("sends a chart event on every tick: null first, then a point computed from /metrics", async () => {
    const live = await liveReader();
    try {
      const metrics = await http("GET", "/metrics", { admin: true });
      const first = await live.until("chart");
      if (metrics.status === 404) {
        expect(first).toMatchObject({ state: "unavailable", status: 404 });
        return;
      }
      expect(first).toEqual({ state: "ok", data: null });
      expect(await live.until("chart")).toMatchObject({
        state: "ok",
        data: { at: expect.any(Number), requests: expect.any(Object), latency: expect.any(Object) },
      });
    } finally {
      await live.cancel();
    }
  });

  it("sends a panel again only when it changed: a crash shows up in the next supervision event", async () => {
    const live = await liveReader();
    try {
      await live.until("supervision");
      await live.until("chart");
      await live.until("chart");
      const sku = uniqueSku("live-crash");
      await putSku(sku, 5);
      await injectFault({ service: "inventory", sku, kind: "crash" });
      expectProblem(await placeHold(sku), 500, "internal-error");
      const changed = (await live.until("supervision")) as { data: { children: unknown[] } };
      expect(JSON.stringify(changed.data)).toMatch(/"restarts":[1-9]/);
    } finally {
      await live.cancel();
    }
  });

  it("ends the stream by itself after DASHBOARD_STREAM_MAX_MS, so the page reconnects", async () => {
    const live = await liveReader({ DASHBOARD_STREAM_MAX_MS: "1000", DASHBOARD_TICK_MS: "200" });
    let charts = 0;
    while ((await live.next())?.event !== undefined) charts += 1;
    expect(live.ended).toBe(true);
    expect(charts).toBeGreaterThan(1);
  });
});

describe("dashboardConfig", () => {
  it("defaults to a one-second tick and five-minute streams", () => {
    expect(dashboardConfig({})).toEqual({ tickMs: 1000, streamMaxMs: 300_000 });
  });

  it("names the field and its limits when a value is out of range", () => {
    expect(() => dashboardConfig({ DASHBOARD_TICK_MS: "5" })).toThrow(
      'DASHBOARD_TICK_MS must be an integer from 100 to 10000, got "5"',
    );
    expect(() => dashboardConfig({ DASHBOARD_STREAM_MAX_MS: "soon" })).toThrow(
      "DASHBOARD_STREAM_MAX_MS must be an integer from 1000 to 3600000",
    );
  });
});
