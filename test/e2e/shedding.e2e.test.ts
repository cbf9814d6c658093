import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { exponential } from "../../core/backoff";
import { finalWithinMs } from "../config/queue-budget";
import { createSku, getOrder, readSku } from "./api";
import { record, text, unique, useBulwark } from "./contract";
import { fetchJson, type JsonResponse } from "./harness";

const RETRY_BASE_MS = 200;

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
    QUEUE_RETRY_BASE_MS: String(RETRY_BASE_MS),
  },
});

const FINAL = new Set(["confirmed", "rejected"]);

/**
 * The ceiling for every queued order to be final: wrangler.toml's consumer settings, the
 * consumer's longest delay per attempt (`workers/queue/orders-consumer.ts`: base + full
 * jitter capped at 60 s, at least the shard's Retry-After of about 1 s) with this file's
 * QUEUE_RETRY_BASE_MS, and twice that for processing on a loaded machine.
 */
function finalBudgetMs(retryBaseMs: number): number {
  const consumers = unstable_readConfig({ config: "wrangler.toml" }).queues.consumers ?? [];
  const worstDelay = (attempts: number) =>
    Math.ceil(
      Math.max(
        retryBaseMs + exponential(attempts - 1, { baseMs: retryBaseMs, capMs: 60_000 }),
        1000,
      ) / 1000,
    );
  return 2 * finalWithinMs(consumers, "bulwark-orders", worstDelay);
}
const BUDGET_MS = finalBudgetMs(RETRY_BASE_MS);

function placeAsync(sku: string): Promise<JsonResponse> {
  return fetchJson(api.url("/v1/orders"), {
    method: "POST",
    headers: { "idempotency-key": unique("burst"), prefer: "respond-async" },
    json: { items: [{ sku, quantity: 1 }] },
  });
}

const POLL_BATCH = 20;

/** Polls every order until all are final; throws past `ms`, naming those still open. */
async function awaitFinal(
  ids: string[],
  ms: number,
): Promise<Map<string, Record<string, unknown>>> {
  const views = new Map<string, Record<string, unknown>>();
  const until = Date.now() + ms;
  let open = ids;
  for (;;) {
    // A few reads at a time: 300 at once can starve a loaded machine past a read's timeout.
    for (let i = 0; i < open.length; i += POLL_BATCH) {
      const batch = open.slice(i, i + POLL_BATCH);
      const answers = await Promise.all(batch.map((id) => getOrder(api, id)));
      for (const [j, res] of answers.entries()) views.set(batch[j] ?? "", record(res.body));
    }
    open = open.filter((id) => !FINAL.has(String(views.get(id)?.status)));
    if (open.length === 0) return views;
    if (Date.now() > until) {
      throw new Error(
        `${open.length} orders still not final after ${ms} ms: ${open.slice(0, 5).join(", ")}…`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("load shedding through the orders queue", () => {
  it(
    "takes 300 concurrent respond-async orders for 100 units: all end final, exactly 100 confirmed",
    async () => {
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
      const views = await awaitFinal(ids, BUDGET_MS);
      const final = [...views.values()];
      expect(final.filter((v) => !FINAL.has(String(v.status)))).toEqual([]);
      expect(final.filter((v) => v.status === "confirmed")).toHaveLength(100);
      expect(await readSku(api, sku)).toMatchObject({
        stock: 100,
        sold: 100,
        held: 0,
        available: 0,
      });
    },
    BUDGET_MS + 60_000,
  );
});
