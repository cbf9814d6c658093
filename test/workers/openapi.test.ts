import { describe, expect, it } from "vitest";
import { PROBLEM_TABLE } from "../../durable-objects";
import { app } from "../../workers/app";
import { openApiDocument, openApiPath } from "../../workers/openapi";
import { holdView, orderView, problem, skuView } from "../../workers/openapi/views";
import { http, placeOrder, putSku, uniqueSku } from "./client";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** "GET /v1/skus/{sku}" for every route the Hono app really serves (not its 405 catch-alls). */
function servedRoutes(): string[] {
  const routes = app.routes
    .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
    .map((r) => `${r.method} ${openApiPath(r.path)}`);
  return [...new Set(routes)].sort();
}

function documentedRoutes(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe("OpenAPI document", () => {
  it("describes every route the app serves, and only those", () => {
    const doc = openApiDocument() as Doc;
    const served = servedRoutes();
    const documented = documentedRoutes(doc);
    const undocumented = served.filter((r) => !documented.includes(r));
    const phantom = documented.filter((r) => !served.includes(r));
    expect(
      undocumented,
      `served but missing from workers/openapi/routes.ts: ${undocumented.join(", ")}`,
    ).toEqual([]);
    expect(phantom, `documented but not served by the app: ${phantom.join(", ")}`).toEqual([]);
    expect(served.length).toBeGreaterThanOrEqual(14);
  });

  it("names every problem code of core/http/problem.ts under its status", () => {
    type Response = { description: string; content?: Record<string, { schema?: unknown }> };
    const doc = openApiDocument() as Doc & {
      components: { responses: Record<string, Response> };
    };
    const codesOf = (response: Response): string[] => {
      const schema = response.content?.["application/problem+json"]?.schema as
        | { allOf: [unknown, { properties: { code: { enum: string[] } } }] }
        | undefined;
      return schema?.allOf[1].properties.code.enum ?? [];
    };
    const pairs = new Set<string>();
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          for (const code of codesOf(response as Response)) pairs.add(`${status} ${code}`);
        }
      }
    }
    for (const response of Object.values(doc.components.responses)) {
      const status = /^(\d{3}):/.exec(response.description)?.[1];
      for (const code of codesOf(response)) pairs.add(`${status} ${code}`);
    }
    const expected = Object.entries(PROBLEM_TABLE).map(([code, { status }]) => `${status} ${code}`);
    const missing = expected.filter((pair) => !pairs.has(pair));
    expect(missing, `problem codes missing from the document: ${missing.join(", ")}`).toEqual([]);
    const wrong = [...pairs].filter((pair) => !expected.includes(pair));
    expect(wrong, `problems under the wrong status: ${wrong.join(", ")}`).toEqual([]);
  });

  it("lists the problems each route can answer where the code can answer them", () => {
    type Op = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
    const doc = openApiDocument() as { paths: Record<string, Record<string, Op>> };
    const codes = (path: string, method: string, status: number): string[] => {
      const schema = doc.paths[path]?.[method]?.responses[status]?.content?.[
        "application/problem+json"
      ]?.schema as { allOf: [unknown, { properties: { code: { enum: string[] } } }] } | undefined;
      return schema?.allOf[1].properties.code.enum ?? [];
    };
    // Every admin route throttles failed tokens (workers/middleware/admin-auth.ts).
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const admin = codes(path, method, 401).includes("unauthorized");
        if (admin) expect(codes(path, method, 429), `${method} ${path}`).toContain("rate-limited");
      }
    }
    // The events socket reads its sku through the shard's breaker (workers/routes/stock-events.ts).
    expect(codes("/v1/skus/{sku}/events", "get", 503)).toEqual(
      expect.arrayContaining(["circuit-open", "overloaded", "deadline-exceeded", "listeners-full"]),
    );
    // A restart that does not start, and a monitor that does not answer, are 503s.
    expect(codes("/v1/ops/supervision/{service}/restart", "post", 503)).toContain(
      "service-unavailable",
    );
    expect(codes("/metrics", "get", 503)).toContain("service-unavailable");
  });

  it("is served at /openapi.json exactly as generated", async () => {
    const r = await http("GET", "/openapi.json");
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(r.json).toEqual(openApiDocument());
  });

  it("is rendered at /docs by a renderer the Worker serves itself (no CDN)", async () => {
    const page = await http("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = String(page.json);
    expect(html).toContain('data-url="/openapi.json"');
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(["/docs/scalar.js"]);
    const bundle = await http("GET", "/docs/scalar.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    expect(String(bundle.json).length).toBeGreaterThan(1_000_000);
  });
});

describe("documented views match real answers", () => {
  it("SkuView, HoldView, OrderView and Problem parse what the edge answers", async () => {
    const sku = uniqueSku("doc");
    expect(skuView.safeParse(await putSku(sku, 5)).error).toBeUndefined();
    const hold = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });
    expect(holdView.safeParse(hold.json).error).toBeUndefined();
    const order = await placeOrder(uniqueSku("doc-key"), [{ sku, quantity: 1 }]);
    expect(order.status).toBe(201);
    expect(orderView.safeParse(order.json).error).toBeUndefined();
    const missing = await http("GET", `/v1/skus/${uniqueSku("nothing")}`);
    expect(problem.safeParse(missing.json).error).toBeUndefined();
  });
});
