import { describe, expect, it } from "vitest";
import { createSku, getOrder, readSku } from "./api";
import { record, text, unique, useBulwark } from "./contract";
import { fetchJson, type JsonResponse } from "./harness";

/**
 * Orders shards with a deliberately small capacity, so most of a burst is refused by
 * admission and — because the clients prefer an asynchronous answer — shed to the queue.
 */
const api = useBulwark({
  vars: {
    ORDERS_MAX_CONCURRENCY: "2",
    ORDERS_RATE_PER_SECOND: "20",
    ORDERS_BURST: "4",
    ORDERS_MAX_SOJOURN_MS: "5",
    ORDERS_MAX_QUEUE: "4",
    ORDERS_RESUME_MS: "200",
    QUEUE_RETRY_BASE_MS: "200",
  },
});

const FINAL = new Set(["confirmed", "rejected"]);

function placeAsync(sku: string): Promise<JsonResponse> {
  return fetchJson(api.url("/v1/orders"), {
    method: "POST",
    headers: { "idempotency-key": unique("burst"), prefer: "respond-async" },
    json: { items: [{ sku, quantity: 1 }] },
  });
}

/** Polls every order until all are final or `ms` passes; answers their last views. */
async function awaitFinal(
  ids: string[],
  ms: number,
): Promise<Map<string, Record<string, unknown>>> {
  const views = new Map<string, Record<string, unknown>>();
  const until = Date.now() + ms;
  let open = ids;
  while (open.length > 0 && Date.now() < until) {
    const answers = await Promise.all(open.map((id) => getOrder(api, id)));
    for (const [i, res] of answers.entries()) views.set(open[i] ?? "", record(res.body));
    open = open.filter((id) => !FINAL.has(String(views.get(id)?.status)));
    if (open.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return views;
}

describe("load shedding through the orders queue", () => {
  it("takes 300 concurrent respond-async orders for 100 units: all end final, exactly 100 confirmed", async () => {
    const sku = unique("flash");
    await createSku(api, sku, 100);
    const answers = await Promise.all(Array.from({ length: 300 }, () => placeAsync(sku)));

    const statuses = answers.map((res) => res.status);
    for (const status of statuses) expect([201, 202, 409]).toContain(status);
    const queued = answers.filter((res) => res.status === 202);
    expect(queued.length, "the burst should exceed the shards' capacity").toBeGreaterThan(0);
    for (const res of queued) {
      expect(res.headers.get("location")).toBe(`/v1/orders/${text(res.body, "orderId")}`);
    }

    const ids = answers.map((res) => text(res.body, "orderId"));
    expect(new Set(ids).size).toBe(300);
    const views = await awaitFinal(ids, 45_000);
    const final = [...views.values()];
    expect(final.filter((v) => !FINAL.has(String(v.status)))).toEqual([]);
    expect(final.filter((v) => v.status === "confirmed")).toHaveLength(100);
    expect(await readSku(api, sku)).toMatchObject({ stock: 100, sold: 100, held: 0, available: 0 });
  }, 90_000);
});
