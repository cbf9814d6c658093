import { describe, expect, it } from "vitest";
import { createSku, placeHold, readSku } from "./api";
import { ADMIN, expectStatus, unique, useBulwark } from "./contract";
import { fetchJson } from "./harness";

/**
 * One client sends every request here, so its per-client limits are lifted, and admission
 * may queue a burst of 500 for up to 5 s instead of refusing it: this file proves
 * allocation, not load shedding (test/e2e/shedding.e2e.test.ts does that).
 */
const api = useBulwark({
  vars: {
    HOT_SKUS: "e2e-hot-*=4",
    HOLD_MAX_UNITS_PER_CLIENT: "100000",
    RATE_LIMIT_PER_MINUTE: "1000000",
    INVENTORY_MAX_SOJOURN_MS: "5000",
    INVENTORY_MAX_QUEUE: "5000",
  },
});

/** Polls `probe` until `ok` holds; fails with the last value after `ms`. */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface AlarmEvent {
  readonly name: string;
  readonly source: string;
  readonly event: string;
}

async function alarmHistory(source: string): Promise<string[]> {
  const res = await fetchJson(api.url("/v1/ops/alarms"), { headers: ADMIN });
  expectStatus(res, 200);
  return (res.body as { history: AlarmEvent[] }).history
    .filter((e) => e.name === "stock-depleted" && e.source === source)
    .map((e) => e.event)
    .reverse();
}

describe("a hot sku spread over K = 4 sub-shards", () => {
  it("takes 500 concurrent holds on stock 300: exactly 300 held, 200 × 409, stock-depleted raised once", async () => {
    const sku = unique("e2e-hot");
    await createSku(api, sku, 300);
    const placement = await fetchJson(api.url(`/v1/skus/${sku}/placement`), { headers: ADMIN });
    expect(placement.body).toMatchObject({ spread: true, subShards: 4, stock: 300 });

    const replies = await Promise.all(
      Array.from({ length: 500 }, () => placeHold(api, sku, { quantity: 1 })),
    );
    const tally: Record<string, number> = {};
    for (const r of replies) {
      const code = (r.body as { code?: string } | null)?.code;
      const key = r.status === 201 ? "201" : `${r.status} ${code}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    expect(tally).toEqual({ "201": 300, "409 insufficient-stock": 200 });
    const ids = replies
      .filter((r) => r.status === 201)
      .map((r) => String((r.body as { holdId?: string }).holdId));
    expect(new Set(ids).size).toBe(300);

    expect(await readSku(api, sku)).toMatchObject({
      stock: 300,
      held: 300,
      sold: 0,
      available: 0,
    });
    const events = await until(
      () => alarmHistory(sku),
      (e) => e.length > 0,
    );
    expect(events).toEqual(["raised"]);
  });

  it("moves to K = 2 under load and still answers one SkuView", async () => {
    const sku = unique("spread");
    await createSku(api, sku, 40);
    const put = (k: number) =>
      fetchJson(api.url(`/v1/skus/${sku}/placement`), {
        method: "PUT",
        headers: ADMIN,
        json: { subShards: k },
      });
    expectStatus(await put(4), 200);
    const holds = Promise.all(
      Array.from({ length: 30 }, () => placeHold(api, sku, { quantity: 1 })),
    );
    expectStatus(await put(2), 200);
    const statuses = (await holds).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(await readSku(api, sku)).toMatchObject({ stock: 40, held: 30, available: 10 });
  });
});
