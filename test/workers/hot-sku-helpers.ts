import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AlarmEvent } from "../../core/alarms";
import { alarmManager, ShardRouter, type SkuView } from "../../durable-objects";
import { subShardAddress, subShardRef } from "../../durable-objects/inventory/spread/address";
import { type EdgeReply, http, putSku, uniqueSku } from "./client";

/** Helpers of the hot-SKU tests: spread skus, sub-shards' parts, the allocation invariant. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const router = () => new ShardRouter(env);
export const sub = (sku: string, i: number) => subShardRef(router(), sku, i);
export const subStub = (sku: string, i: number) =>
  env.INVENTORY.get(env.INVENTORY.idFromName(subShardAddress(router(), sku, i).name));

/** A new sku with `stock` units spread over `k` sub-shards (through the admin API). */
export async function spreadSku(stock: number, k: number, prefix = "hot"): Promise<string> {
  const sku = uniqueSku(prefix);
  await putSku(sku, stock);
  const r = await http("PUT", `/v1/skus/${sku}/placement`, {
    body: { subShards: k },
    admin: true,
  });
  expect(r.status).toBe(200);
  return sku;
}

/** Every sub-shard's own part (its allocation as `stock`), `null` where it has none. */
export async function parts(sku: string, highest: number): Promise<(SkuView | null)[]> {
  return Promise.all(
    [...Array(highest).keys()].map(async (i) => {
      const r = await sub(sku, i).call("getPart", { sku });
      return r.ok ? r.value : null;
    }),
  );
}

/** Asserts held + sold ≤ allocation on every sub-shard and Σ allocations = `total`. */
export async function expectInvariant(sku: string, highest: number, total: number) {
  const all = await parts(sku, highest);
  for (const part of all) if (part) expect(part.held + part.sold).toBeLessThanOrEqual(part.stock);
  const allocated = all.reduce((a, p) => a + (p?.stock ?? 0), 0);
  expect(allocated).toBe(total);
  return all;
}

export const placeHold = (sku: string, body: unknown, headers: Record<string, string> = {}) =>
  http("POST", `/v1/skus/${sku}/holds`, { body, headers });

export const getSku = async (sku: string) =>
  (await http("GET", `/v1/skus/${sku}`)).json as unknown as SkuView;

/** A hold placed straight on sub-shard `i` (which must have the allocation). */
export async function holdOn(sku: string, i: number, quantity: number, ttlSeconds = 300) {
  const r = await sub(sku, i).call("placeHold", { sku, quantity, ttlSeconds, subShard: i });
  if (!r.ok) throw new Error(`hold on sub-shard ${i} failed: ${r.code} ${r.detail}`);
  return r.value;
}

/** Moves `want` units (or more) of allocation to sub-shard `target`. */
export async function moveTo(sku: string, target: number, want: number) {
  const r = await sub(sku, 0).call("rebalance", { sku, target, want }, { reserved: true });
  if (!r.ok) throw new Error(`rebalance failed: ${r.code} ${r.detail}`);
  return r.value;
}

/** Answers counted by status (and problem code): `{ "201": n, "409 insufficient-stock": m }`. */
export function tally(replies: EdgeReply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${String(r.json?.code)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export async function alarmEvents(id: string): Promise<AlarmEvent[]> {
  const page = await alarmManager(env).list();
  return page.history.filter((e) => e.alarmId === id).reverse();
}
