import { describe, expect, it } from "vitest";
import { describeAnswer, expectProblem, expectStatus, unique, useBulwark } from "./contract";
import { fetchJson } from "./harness";

const api = useBulwark();

describe("health", () => {
  it("answers /healthz with 200 {status: ok} and a generated X-Request-Id", async () => {
    const res = await fetchJson(api.url("/healthz"));
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: "ok" });
    expect(res.headers.get("x-request-id"), describeAnswer(res)).toMatch(/\S/);
  });

  it("echoes the X-Request-Id the client sent", async () => {
    const requestId = unique("e2e-request");
    const res = await fetchJson(api.url("/healthz"), { headers: { "x-request-id": requestId } });
    expectStatus(res, 200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
  });

  it("answers /readyz with 200 {status: ready} when every service is up", async () => {
    const res = await fetchJson(api.url("/readyz"));
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ status: "ready" });
    expect(res.headers.get("x-request-id")).toMatch(/\S/);
  });

  it("answers an unknown route with 404 not-found as problem+json, with an X-Request-Id", async () => {
    const res = await fetchJson(api.url(`/no-such-route/${unique("x")}`));
    expectProblem(res, 404, "not-found");
    expect(res.headers.get("x-request-id")).toMatch(/\S/);
  });

  it("refuses an X-Deadline-Ms outside 1–60000 with 400 invalid-request", async () => {
    for (const deadline of ["0", "60001", "soon"]) {
      const res = await fetchJson(api.url("/v1/skus/any-sku"), {
        headers: { "x-deadline-ms": deadline },
      });
      expectProblem(res, 400, "invalid-request");
    }
  });
});
