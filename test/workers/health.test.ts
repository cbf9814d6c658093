import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../workers/app";
import { expectProblem, http } from "./client";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe("health", () => {
  it("answers /healthz with 200 {status: ok}", async () => {
    const r = await http("GET", "/healthz");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: "ok" });
    expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
  });

  it("answers /readyz with 200 {status: ready} while every service is up", async () => {
    const r = await http("GET", "/readyz");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: "ready" });
  });

  it("generates a UUID X-Request-Id when the client sends none", async () => {
    const r = await http("GET", "/healthz");
    expect(r.headers.get("X-Request-Id")).toMatch(UUID);
  });

  it("generates a different X-Request-Id for every request", async () => {
    const [a, b] = await Promise.all([http("GET", "/healthz"), http("GET", "/healthz")]);
    expect(a.headers.get("X-Request-Id")).not.toBe(b.headers.get("X-Request-Id"));
  });

  it("echoes the X-Request-Id the client sent", async () => {
    const r = await http("GET", "/healthz", { headers: { "X-Request-Id": "req-abc-123" } });
    expect(r.headers.get("X-Request-Id")).toBe("req-abc-123");
  });

  it("echoes the client's X-Request-Id on an error answer too", async () => {
    const r = await http("GET", "/no-such-route", { headers: { "X-Request-Id": "req-err-1" } });
    expect(r.status).toBe(404);
    expect(r.headers.get("X-Request-Id")).toBe("req-err-1");
  });
});

describe("X-Deadline-Ms on routes without a body", () => {
  it("is validated on /healthz too: a malformed value is 400 invalid-request", async () => {
    const r = await http("GET", "/healthz", { headers: { "X-Deadline-Ms": "banana" } });
    expectProblem(r, 400, "invalid-request");
  });

  it("answers a deployment whose configuration does not load with a 500 problem, stamped", async () => {
    // A var out of range fails config load on the first request (before any route runs).
    const broken = { ...env, INVENTORY_SHARDS: "0" };
    const r = await app.fetch(
      new Request("http://bulwark.test/v1/skus/sku-1", {
        headers: { "X-Request-Id": "req-cfg-1" },
      }),
      broken,
    );
    expect(r.status).toBe(500);
    expect(r.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect(((await r.json()) as { code: string }).code).toBe("internal-error");
    expect(r.headers.get("X-Request-Id")).toBe("req-cfg-1");
  });
});
