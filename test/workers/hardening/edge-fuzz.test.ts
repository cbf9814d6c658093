import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { app } from "../../../workers/app";
import { ADMIN, atShard, uniqueSku } from "../client";

/**
 * Property-based input at the edge: any method, path, header and body gets a 2xx or a 4xx
 * `application/problem+json` (a `503 deadline-exceeded` for a tiny `X-Deadline-Ms` is the
 * contract's answer too), never a 5xx error of ours, and a refused request changes nothing.
 * Requests go straight into the app (as `exports.default.fetch` would route them), which
 * keeps a few hundred of them fast in one file.
 */
const sku = uniqueSku("fuzz");
const segment = fc.oneof(
  fc.constantFrom(
    sku,
    "v1",
    "skus",
    "holds",
    "orders",
    "ops",
    "faults",
    "events",
    "confirm",
    "supervision",
  ),
  fc.string({ maxLength: 12 }),
  fc.constantFrom("%00", "..", "%2F", "~o.x", "a".repeat(70), "😀", " "),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.map(encodeURIComponent).join("/")}`),
  fc.constantFrom(
    `/v1/skus/${sku}`,
    `/v1/skus/${sku}/holds`,
    `/v1/skus/${sku}/holds/h_x/confirm`,
    "/v1/orders",
    "/v1/ops/faults",
    "/v1/ops/supervision",
  ),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.record({ quantity: fc.anything(), ttlSeconds: fc.anything() }).map((v) => JSON.stringify(v)),
  fc.record({ items: fc.anything() }).map((v) => JSON.stringify(v)),
  fc.record({ stock: fc.anything() }).map((v) => JSON.stringify(v)),
);
const header = (values: fc.Arbitrary<string>) => fc.option(values, { nil: undefined });
const headers = fc.record({
  "Content-Type": header(fc.oneof(fc.constant("application/json"), fc.string({ maxLength: 30 }))),
  "Idempotency-Key": header(fc.string({ maxLength: 300 })),
  "X-Deadline-Ms": header(fc.oneof(fc.integer({ min: -5, max: 70_000 }).map(String), fc.string())),
  Prefer: header(fc.constantFrom("respond-async", "wait=1", "")),
  Authorization: header(fc.oneof(fc.constant(ADMIN), fc.string({ maxLength: 40 }))),
  Upgrade: header(fc.constantFrom("websocket", "h2c")),
  "X-Request-Id": header(fc.string({ maxLength: 300 })),
});
const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

/** Only header values a real client could send (fetch refuses control characters). */
function toHeaders(h: Record<string, string | undefined>): Headers {
  const out = new Headers({ "CF-Connecting-IP": "fuzz-client" });
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined) continue;
    try {
      out.set(name, value);
    } catch {
      // not a legal header value: a client could not send it either
    }
  }
  return out;
}

/** A request that could inject faults or restart services with the right token: excluded. */
const operational = (m: string, p: string, auth: string | undefined) =>
  auth === ADMIN && (m === "POST" || m === "DELETE") && p.startsWith("/v1/ops/");

describe("Edge fuzzing", () => {
  it("answers 2xx or a 4xx problem+json to anything, and a refused request changes nothing", async () => {
    await atShard.putSku(sku, 50);
    await fc.assert(
      fc.asyncProperty(method, path, headers, body, async (m, p, h, b) => {
        fc.pre(!operational(m, p, h.Authorization));
        const before = await atShard.getSku(sku);
        const init: RequestInit = { method: m, headers: toHeaders(h) };
        if (b !== undefined && m !== "GET" && m !== "HEAD") init.body = b;
        const response = await app.fetch(
          new Request(`http://edge.test${p}`, init),
          env,
          createExecutionContext(),
        );
        const text = await response.text();
        if (response.status === 101) return;
        const deadline = response.status === 503 && text.includes('"deadline-exceeded"');
        expect(response.status < 500 || deadline, `${m} ${p} → ${response.status} ${text}`).toBe(
          true,
        );
        if (response.status >= 400 && m !== "HEAD") {
          expect(response.headers.get("Content-Type")).toBe("application/problem+json");
          expect(JSON.parse(text)).toMatchObject({
            status: response.status,
            code: expect.any(String),
          });
        }
        if (response.status >= 400) expect(await atShard.getSku(sku)).toEqual(before);
      }),
      { numRuns: 250, seed: 20_261_202 },
    );
  }, 120_000);
});
