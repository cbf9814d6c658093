import { describe, expect, it } from "vitest";
import { ADMIN, atShard, expectProblem, http, send, uniqueSku } from "./client";

/**
 * Every bad request the contract names, one row each: the problem it must get, and that it
 * changed nothing. Each row runs against its own sku (stock 10, one active hold of 2), seeded
 * and read back straight on the shard so the row's request is the only one through the edge.
 */

/** What a row's path and body may refer to. */
interface Seed {
  readonly sku: string;
  readonly holdId: string;
}

/** One bad request and its answer; `allow` lists methods the 405's Allow header must name. */
interface Row {
  readonly name: string;
  readonly method: string;
  readonly path: (seed: Seed) => string;
  readonly body?: (seed: Seed) => string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  readonly code: string;
  readonly allow?: readonly string[];
}

const JSON_TYPE = { "Content-Type": "application/json" };
const TEXT_TYPE = { "Content-Type": "text/plain" };
const AS_ADMIN = { ...JSON_TYPE, Authorization: ADMIN };
const WRONG_TOKEN = { ...JSON_TYPE, Authorization: "Bearer not-the-token" };
const ORDER_KEY = { ...JSON_TYPE, "Idempotency-Key": "order-key-1" };

const text = (value: string) => () => value;
const json = (value: unknown) => () => JSON.stringify(value);
/** Bytes get no implicit Content-Type (strings get text/plain), so this arrives without one. */
const untyped = (value: unknown) => () => new TextEncoder().encode(JSON.stringify(value));
/** A valid JSON body of about 70 KiB: over the 64 KiB limit. */
const oversize = () => JSON.stringify({ stock: 1, pad: "x".repeat(70 * 1024) });
const order =
  (items: (s: Seed) => unknown[], extra: object = {}) =>
  (s: Seed) =>
    JSON.stringify({ items: items(s), ...extra });
const oneItem = (s: Seed) => [{ sku: s.sku, quantity: 1 }];
const manyItems = (count: number) => (s: Seed) =>
  Array.from({ length: count }, (_, i) => ({ sku: `${s.sku}-${i}`, quantity: 1 }));

const at = (path: string) => () => path;
const sku = (s: Seed) => `/v1/skus/${s.sku}`;
const holds = (s: Seed) => `/v1/skus/${s.sku}/holds`;
const hold = (s: Seed) => `/v1/skus/${s.sku}/holds/${s.holdId}`;
const confirm = (s: Seed) => `/v1/skus/${s.sku}/holds/${s.holdId}/confirm`;
const orders = at("/v1/orders");

const E400 = { status: 400, code: "invalid-request" } as const;
const E401 = { status: 401, code: "unauthorized" } as const;
const E404 = { status: 404, code: "not-found" } as const;
const E405 = { status: 405, code: "method-not-allowed" } as const;
const E413 = { status: 413, code: "payload-too-large" } as const;
const E415 = { status: 415, code: "unsupported-media-type" } as const;

// biome-ignore format: a table reads best one row per line
const putSkuRows: Row[] = [
  { name: "malformed JSON", method: "PUT", path: sku, body: text('{"stock":'), headers: AS_ADMIN, ...E400 },
  { name: "an empty body", method: "PUT", path: sku, body: text(""), headers: AS_ADMIN, ...E400 },
  { name: "a JSON array body", method: "PUT", path: sku, body: json([{ stock: 1 }]), headers: AS_ADMIN, ...E400 },
  { name: "stock as a string", method: "PUT", path: sku, body: json({ stock: "10" }), headers: AS_ADMIN, ...E400 },
  { name: "stock as null", method: "PUT", path: sku, body: json({ stock: null }), headers: AS_ADMIN, ...E400 },
  { name: "a float stock", method: "PUT", path: sku, body: json({ stock: 1.5 }), headers: AS_ADMIN, ...E400 },
  { name: "a negative stock", method: "PUT", path: sku, body: json({ stock: -1 }), headers: AS_ADMIN, ...E400 },
  { name: "a missing stock", method: "PUT", path: sku, body: json({}), headers: AS_ADMIN, ...E400 },
  { name: "an unknown field", method: "PUT", path: sku, body: json({ stock: 1, stok: 2 }), headers: AS_ADMIN, ...E400 },
  { name: "a sku with a space", method: "PUT", path: at("/v1/skus/b%20ad"), body: json({ stock: 1 }), headers: AS_ADMIN, ...E400 },
  { name: "a sku starting with '-'", method: "PUT", path: at("/v1/skus/-x"), body: json({ stock: 1 }), headers: AS_ADMIN, ...E400 },
  { name: "a 65-character sku", method: "PUT", path: at(`/v1/skus/${"a".repeat(65)}`), body: json({ stock: 1 }), headers: AS_ADMIN, ...E400 },
  { name: "X-Deadline-Ms 0", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...AS_ADMIN, "X-Deadline-Ms": "0" }, ...E400 },
  { name: "X-Deadline-Ms abc", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...AS_ADMIN, "X-Deadline-Ms": "abc" }, ...E400 },
  { name: "X-Deadline-Ms 60001", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...AS_ADMIN, "X-Deadline-Ms": "60001" }, ...E400 },
  { name: "X-Deadline-Ms 1.5", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...AS_ADMIN, "X-Deadline-Ms": "1.5" }, ...E400 },
  { name: "X-Deadline-Ms 1e3", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...AS_ADMIN, "X-Deadline-Ms": "1e3" }, ...E400 },
  { name: "X-Deadline-Ms 0x10", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...AS_ADMIN, "X-Deadline-Ms": "0x10" }, ...E400 },
  { name: "a 70 KiB body", method: "PUT", path: sku, body: oversize, headers: AS_ADMIN, ...E413 },
  { name: "a text/plain body", method: "PUT", path: sku, body: text('{"stock":3}'), headers: { ...AS_ADMIN, ...TEXT_TYPE }, ...E415 },
  { name: "a body without Content-Type", method: "PUT", path: sku, body: untyped({ stock: 3 }), headers: { Authorization: ADMIN }, ...E415 },
  { name: "PUT sku without a token", method: "PUT", path: sku, body: json({ stock: 3 }), headers: JSON_TYPE, ...E401 },
  { name: "PUT sku with a wrong token", method: "PUT", path: sku, body: json({ stock: 3 }), headers: WRONG_TOKEN, ...E401 },
  { name: "PUT sku with Basic credentials", method: "PUT", path: sku, body: json({ stock: 3 }), headers: { ...JSON_TYPE, Authorization: "Basic dGVzdC1hZG1pbi10b2tlbg==" }, ...E401 },
];

// biome-ignore format: a table reads best one row per line
const holdRows: Row[] = [
  { name: "quantity 0", method: "POST", path: holds, body: json({ quantity: 0 }), headers: JSON_TYPE, ...E400 },
  { name: "quantity 10001", method: "POST", path: holds, body: json({ quantity: 10_001 }), headers: JSON_TYPE, ...E400 },
  { name: "a negative quantity", method: "POST", path: holds, body: json({ quantity: -1 }), headers: JSON_TYPE, ...E400 },
  { name: "a float quantity", method: "POST", path: holds, body: json({ quantity: 1.5 }), headers: JSON_TYPE, ...E400 },
  { name: "quantity as a string", method: "POST", path: holds, body: json({ quantity: "1" }), headers: JSON_TYPE, ...E400 },
  { name: "a missing quantity", method: "POST", path: holds, body: json({ ttlSeconds: 10 }), headers: JSON_TYPE, ...E400 },
  { name: "ttlSeconds 0", method: "POST", path: holds, body: json({ quantity: 1, ttlSeconds: 0 }), headers: JSON_TYPE, ...E400 },
  { name: "ttlSeconds 3601", method: "POST", path: holds, body: json({ quantity: 1, ttlSeconds: 3601 }), headers: JSON_TYPE, ...E400 },
  { name: "a float ttlSeconds", method: "POST", path: holds, body: json({ quantity: 1, ttlSeconds: 1.5 }), headers: JSON_TYPE, ...E400 },
  { name: "an unknown hold field", method: "POST", path: holds, body: json({ quantity: 1, qty: 1 }), headers: JSON_TYPE, ...E400 },
  { name: "malformed hold JSON", method: "POST", path: holds, body: text("{quantity: 1}"), headers: JSON_TYPE, ...E400 },
  { name: "a 256-character Idempotency-Key on a hold", method: "POST", path: holds, body: json({ quantity: 1 }), headers: { ...JSON_TYPE, "Idempotency-Key": "k".repeat(256) }, ...E400 },
  { name: "an Idempotency-Key with a space on a hold", method: "POST", path: holds, body: json({ quantity: 1 }), headers: { ...JSON_TYPE, "Idempotency-Key": "has space" }, ...E400 },
  { name: "an empty Idempotency-Key on a hold", method: "POST", path: holds, body: json({ quantity: 1 }), headers: { ...JSON_TYPE, "Idempotency-Key": "" }, ...E400 },
  { name: "X-Deadline-Ms abc on a hold", method: "POST", path: holds, body: json({ quantity: 1 }), headers: { ...JSON_TYPE, "X-Deadline-Ms": "abc" }, ...E400 },
  { name: "a 70 KiB hold body", method: "POST", path: holds, body: oversize, headers: JSON_TYPE, ...E413 },
  { name: "a text/plain hold body", method: "POST", path: holds, body: text('{"quantity":1}'), headers: TEXT_TYPE, ...E415 },
  { name: "a hold body without Content-Type", method: "POST", path: holds, body: untyped({ quantity: 1 }), ...E415 },
  { name: "a hold on a sku with a space", method: "POST", path: at("/v1/skus/b%20ad/holds"), body: json({ quantity: 1 }), headers: JSON_TYPE, ...E400 },
  { name: "a hold id with a space on confirm", method: "POST", path: (s) => `/v1/skus/${s.sku}/holds/bad%20id/confirm`, ...E400 },
  { name: "a hold id with a space on release", method: "DELETE", path: (s) => `/v1/skus/${s.sku}/holds/bad%20id`, ...E400 },
  { name: "X-Deadline-Ms 60001 on confirm", method: "POST", path: confirm, headers: { "X-Deadline-Ms": "60001" }, ...E400 },
  { name: "X-Deadline-Ms 0 on release", method: "DELETE", path: hold, headers: { "X-Deadline-Ms": "0" }, ...E400 },
];

// biome-ignore format: a table reads best one row per line
const orderRows: Row[] = [
  { name: "an order without Idempotency-Key", method: "POST", path: orders, body: order(oneItem), headers: JSON_TYPE, ...E400 },
  { name: "a 256-character Idempotency-Key on an order", method: "POST", path: orders, body: order(oneItem), headers: { ...JSON_TYPE, "Idempotency-Key": "k".repeat(256) }, ...E400 },
  { name: "an Idempotency-Key with a space on an order", method: "POST", path: orders, body: order(oneItem), headers: { ...JSON_TYPE, "Idempotency-Key": "has space" }, ...E400 },
  { name: "an order with duplicate skus", method: "POST", path: orders, body: order((s) => [{ sku: s.sku, quantity: 1 }, { sku: s.sku, quantity: 2 }]), headers: ORDER_KEY, ...E400 },
  { name: "an order with 0 items", method: "POST", path: orders, body: json({ items: [] }), headers: ORDER_KEY, ...E400 },
  { name: "an order with 51 items", method: "POST", path: orders, body: order((s) => [...oneItem(s), ...manyItems(50)(s)]), headers: ORDER_KEY, ...E400 },
  { name: "an order item with quantity 0", method: "POST", path: orders, body: order((s) => [{ sku: s.sku, quantity: 0 }]), headers: ORDER_KEY, ...E400 },
  { name: "an order item with quantity 10001", method: "POST", path: orders, body: order((s) => [{ sku: s.sku, quantity: 10_001 }]), headers: ORDER_KEY, ...E400 },
  { name: "an order item with a bad sku", method: "POST", path: orders, body: order((s) => [...oneItem(s), { sku: "-x", quantity: 1 }]), headers: ORDER_KEY, ...E400 },
  { name: "an order item with an unknown field", method: "POST", path: orders, body: order((s) => [{ sku: s.sku, quantity: 1, price: 3 }]), headers: ORDER_KEY, ...E400 },
  { name: "an order with an unknown field", method: "POST", path: orders, body: order(oneItem, { note: "x" }), headers: ORDER_KEY, ...E400 },
  { name: "a text/plain order", method: "POST", path: orders, body: order(oneItem), headers: { ...ORDER_KEY, ...TEXT_TYPE }, ...E415 },
  { name: "a 70 KiB order", method: "POST", path: orders, body: oversize, headers: ORDER_KEY, ...E413 },
  { name: "an order id with a space", method: "GET", path: at("/v1/orders/bad%20id"), ...E400 },
];

// biome-ignore format: a table reads best one row per line
const routeRows: Row[] = [
  { name: "an unknown route", method: "GET", path: at("/v1/nope"), ...E404 },
  { name: "/v1/skus without a sku", method: "GET", path: at("/v1/skus"), ...E404 },
  { name: "a path below a hold", method: "POST", path: (s) => `${hold(s)}/extra`, ...E404 },
  { name: "PATCH on a sku", method: "PATCH", path: sku, body: json({ stock: 1 }), headers: AS_ADMIN, ...E405, allow: ["GET", "PUT"] },
  { name: "DELETE on a sku", method: "DELETE", path: sku, headers: { Authorization: ADMIN }, ...E405, allow: ["GET", "PUT"] },
  { name: "PUT on holds", method: "PUT", path: holds, body: json({ quantity: 1 }), headers: JSON_TYPE, ...E405, allow: ["POST"] },
  { name: "GET on confirm", method: "GET", path: confirm, ...E405, allow: ["POST"] },
  { name: "PUT on a hold", method: "PUT", path: hold, ...E405, allow: ["GET", "DELETE"] },
  { name: "GET on /v1/orders", method: "GET", path: orders, ...E405, allow: ["POST"] },
  { name: "POST on /healthz", method: "POST", path: at("/healthz"), ...E405, allow: ["GET"] },
];

// biome-ignore format: a table reads best one row per line
const adminRows: Row[] = [
  { name: "GET /v1/ops/supervision without a token", method: "GET", path: at("/v1/ops/supervision"), ...E401 },
  { name: "GET /v1/ops/supervision with a wrong token", method: "GET", path: at("/v1/ops/supervision"), headers: WRONG_TOKEN, ...E401 },
  { name: "a service restart without a token", method: "POST", path: at("/v1/ops/supervision/inventory/restart"), ...E401 },
  { name: "POST /v1/ops/faults without a token", method: "POST", path: at("/v1/ops/faults"), body: (s) => JSON.stringify({ service: "inventory", sku: s.sku, kind: "crash" }), headers: JSON_TYPE, ...E401 },
  { name: "DELETE /v1/ops/faults with a wrong token", method: "DELETE", path: at("/v1/ops/faults"), headers: WRONG_TOKEN, ...E401 },
];

/** Two faults at once: the contract's order (route → auth → type → size → validation) picks one. */
// biome-ignore format: a table reads best one row per line
const checkOrderRows: Row[] = [
  { name: "no token and a text/plain body (auth before content type)", method: "PUT", path: sku, body: text("stock=1"), headers: TEXT_TYPE, ...E401 },
  { name: "no token and a 70 KiB body (auth before size)", method: "PUT", path: sku, body: oversize, headers: JSON_TYPE, ...E401 },
  { name: "a wrong token and malformed JSON (auth before validation)", method: "PUT", path: sku, body: text("{"), headers: WRONG_TOKEN, ...E401 },
  { name: "a text/plain 70 KiB body (content type before size)", method: "PUT", path: sku, body: oversize, headers: { ...AS_ADMIN, ...TEXT_TYPE }, ...E415 },
  { name: "a 70 KiB body of malformed JSON (size before validation)", method: "PUT", path: sku, body: text(`{"stock": ${"9".repeat(70 * 1024)}`), headers: AS_ADMIN, ...E413 },
  { name: "a text/plain body on a bad sku (content type before validation)", method: "PUT", path: at("/v1/skus/-x"), body: text('{"stock":1}'), headers: { ...AS_ADMIN, ...TEXT_TYPE }, ...E415 },
  { name: "a text/plain hold with X-Deadline-Ms abc (content type before validation)", method: "POST", path: holds, body: text('{"quantity":1}'), headers: { ...TEXT_TYPE, "X-Deadline-Ms": "abc" }, ...E415 },
  { name: "a text/plain order without Idempotency-Key (content type before validation)", method: "POST", path: orders, body: json({ items: [] }), headers: TEXT_TYPE, ...E415 },
  { name: "an unknown route with a bad body (route first)", method: "POST", path: at("/v1/nope"), body: text("{"), headers: TEXT_TYPE, ...E404 },
  { name: "a wrong method without a token (route before auth)", method: "PATCH", path: sku, body: text("{"), headers: TEXT_TYPE, ...E405, allow: ["GET", "PUT"] },
  { name: "a fault without a token and a text/plain body (auth before content type)", method: "POST", path: at("/v1/ops/faults"), body: text("crash"), headers: TEXT_TYPE, ...E401 },
];

const rows = [
  ...putSkuRows,
  ...holdRows,
  ...orderRows,
  ...routeRows,
  ...adminRows,
  ...checkOrderRows,
];

describe("bad input", () => {
  it.each(rows.map((row) => [`answers ${row.status} ${row.code} for ${row.name}`, row] as const))(
    "%s, changing nothing",
    async (_, row) => {
      const seeded = uniqueSku("bad");
      await atShard.putSku(seeded, 10);
      const held = await atShard.placeHold(seeded, 2);
      const seed = { sku: seeded, holdId: held.holdId };
      const before = await atShard.getSku(seeded);
      expect(before).toMatchObject({ stock: 10, held: 2, available: 8 });

      // One client address per row: the admin-auth throttle counts failures per client, and
      // this table fails authentication on purpose more often than it allows.
      const r = await send(row.method, row.path(seed), {
        ...(row.body ? { body: row.body(seed) } : {}),
        headers: { "CF-Connecting-IP": `bad-input-${rows.indexOf(row)}`, ...row.headers },
      });

      expectProblem(r, row.status, row.code);
      for (const method of row.allow ?? []) {
        expect(r.headers.get("Allow")?.split(/,\s*/)).toContain(method);
      }
      expect(await atShard.getSku(seeded)).toEqual(before);
      expect(await atShard.getHold(seeded, held.holdId)).toEqual(held);
    },
  );
});

describe("limits that are still inside the contract", () => {
  it("accepts a 64-character sku", async () => {
    const name = `a${uniqueSku()}`.padEnd(64, "z");
    const r = await http("PUT", `/v1/skus/${name}`, { body: { stock: 1 }, admin: true });
    expect({ status: r.status, sku: r.json?.sku }).toEqual({ status: 200, sku: name });
  });

  it("accepts a 255-character Idempotency-Key", async () => {
    const name = uniqueSku();
    await atShard.putSku(name, 1);
    const r = await http("POST", `/v1/skus/${name}/holds`, {
      body: { quantity: 1 },
      headers: { "Idempotency-Key": "k".repeat(255) },
    });
    expect(r.status).toBe(201);
  });

  it("accepts X-Deadline-Ms 60000", async () => {
    const name = uniqueSku();
    await atShard.putSku(name, 1);
    const r = await http("GET", `/v1/skus/${name}`, { headers: { "X-Deadline-Ms": "60000" } });
    expect(r.status).toBe(200);
  });

  it("accepts a JSON content type with a charset parameter", async () => {
    const name = uniqueSku();
    const r = await http("PUT", `/v1/skus/${name}`, {
      body: { stock: 1 },
      admin: true,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    expect(r.status).toBe(200);
  });

  it("accepts a body of exactly 64 KiB", async () => {
    const name = uniqueSku();
    const raw = '{"stock":1}'.padEnd(64 * 1024, " ");
    const r = await http("PUT", `/v1/skus/${name}`, {
      raw,
      admin: true,
      headers: { "Content-Type": "application/json" },
    });
    expect(r.status).toBe(200);
  });
});
