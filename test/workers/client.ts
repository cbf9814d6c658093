import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { type HoldView, ShardRouter, type SkuView } from "../../durable-objects";

/** The admin token the test pool binds (vitest.config.ts). */
export const ADMIN = "Bearer test-admin-token";

/** A request to the edge Worker, as an outside client would send it. */
export async function http(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; admin?: boolean } = {},
) {
  const headers = new Headers(options.headers);
  if (options.admin) headers.set("Authorization", ADMIN);
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const response = await exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers,
    body,
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = text;
  }
  return {
    status: response.status,
    headers: response.headers,
    json: json as Record<string, unknown>,
  };
}

/** Creates (or resets) a SKU with `stock` through the admin API. */
export async function putSku(sku: string, stock: number) {
  const r = await http("PUT", `/v1/skus/${sku}`, { body: { stock }, admin: true });
  expect(r.status).toBe(200);
  return r.json;
}

export async function getSku(sku: string) {
  const r = await http("GET", `/v1/skus/${sku}`);
  expect(r.status).toBe(200);
  return r.json as {
    sku: string;
    stock: number;
    available: number;
    held: number;
    sold: number;
    version: number;
  };
}

/** Asserts an RFC 9457 problem answer with `status` and contract `code`. */
export function expectProblem(r: Awaited<ReturnType<typeof http>>, status: number, code: string) {
  expect({ status: r.status, code: r.json?.code }).toEqual({ status, code });
  expect(r.headers.get("Content-Type")).toBe("application/problem+json");
  expect(r.json).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(r.headers.get("X-Request-Id")).toBeTruthy();
}

let seq = 0;
/** A SKU name unique to this test run. */
export const uniqueSku = (prefix = "sku") => `${prefix}-${++seq}-${Date.now().toString(36)}`;

/** What `http` answers: status, headers and the parsed body. */
export type EdgeReply = Awaited<ReturnType<typeof http>>;

/**
 * A request with a body sent exactly as given (bytes get no implicit `Content-Type`, unlike
 * strings), for checks that `http` cannot express, such as a body without a content type.
 */
export async function send(
  method: string,
  path: string,
  init: { body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<EdgeReply> {
  const response = await exports.default.fetch(`http://edge.test${path}`, { method, ...init });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return {
    status: response.status,
    headers: response.headers,
    json: json as Record<string, unknown>,
  };
}

/** The inventory shard object that owns `sku` (for RPC such as `stockEvents`, and alarms). */
export function inventoryShard(sku: string) {
  const name = new ShardRouter(env).locate("inventory", sku).name;
  return env.INVENTORY.get(env.INVENTORY.idFromName(name));
}

/** Polling for effects of alarms and queues (one implementation for every test). */
export { eventually } from "../runtime/helpers";

/** `POST /v1/orders` with `Idempotency-Key: key` (and any extra headers). */
export const placeOrder = (
  key: string,
  items: { sku: string; quantity: number }[],
  headers: Record<string, string> = {},
) =>
  http("POST", "/v1/orders", { body: { items }, headers: { "Idempotency-Key": key, ...headers } });

/** Arms a fault through the admin API. */
export const injectFault = (body: Record<string, unknown>) =>
  http("POST", "/v1/ops/faults", { body, admin: true });

/**
 * Straight to the shard that owns the sku, bypassing the edge: for seeding and checking state
 * around the request under test. Every `exports.default.fetch` makes the next one slower
 * within a test file (cloudflare/workers-sdk#15446); RPC to the shard does not.
 */
export const atShard = {
  async putSku(sku: string, stock: number): Promise<SkuView> {
    const reply = await new ShardRouter(env)
      .inventory(sku)
      .call("putSku", { sku, stock }, { reserved: true });
    if (!reply.ok) throw new Error(`seeding ${sku} failed: ${reply.code} ${reply.detail}`);
    return reply.value;
  },
  async placeHold(sku: string, quantity: number, ttlSeconds = 300): Promise<HoldView> {
    const reply = await new ShardRouter(env)
      .inventory(sku)
      .call("placeHold", { sku, quantity, ttlSeconds });
    if (!reply.ok) throw new Error(`holding ${sku} failed: ${reply.code} ${reply.detail}`);
    return reply.value;
  },
  /** The sku's view, or the failure code (`not-found`). */
  async getSku(sku: string): Promise<SkuView | string> {
    const reply = await new ShardRouter(env).inventory(sku).call("getSku", { sku });
    return reply.ok ? reply.value : reply.code;
  },
  /** The hold's view, or the failure code (`not-found`). */
  async getHold(sku: string, holdId: string): Promise<HoldView | string> {
    const reply = await new ShardRouter(env).inventory(sku).call("getHold", { sku, holdId });
    return reply.ok ? reply.value : reply.code;
  },
};

/**
 * Skus that each land on an inventory shard not handed out before by this generator: for
 * tests of per-shard, per-isolate state (breakers) that must not share a shard.
 */
export function freshShardSkus(prefix: string): () => string {
  const used = new Set<number>();
  return () => {
    const router = new ShardRouter(env);
    for (;;) {
      const sku = uniqueSku(prefix);
      const { index } = router.locate("inventory", sku);
      if (!used.has(index)) {
        used.add(index);
        return sku;
      }
    }
  };
}
