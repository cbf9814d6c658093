import type { Context } from "hono";
import { loadLimits } from "../../durable-objects/limits/config";
import {
  FEED_LIMITS_HEADER,
  type FeedRefusal,
  feedLimitsHeader,
  LISTENER_HEADERS,
  stockFeedRelay,
} from "../../durable-objects/stock-feed";
import { clientOf } from "../client";
import type { AppEnv } from "../context";
import { fromFailure, Problem } from "../errors";
import { input } from "../middleware/validate";
import { clientDeadline } from "../reply";
import { guarded } from "../shard-call";

/** How soon a listener refused because its relay could not be reached may try again. */
const RELAY_RETRY_AFTER_MS = 1000;

/**
 * `GET /v1/skus/{sku}/events`: the sku's shard answers whether it exists (`404`) and is up
 * (`503`), and the view the listener is greeted with; the sku's relay then takes the socket
 * or refuses it with the contract's `429 listener-limit` / `503 listeners-full`, before any
 * upgrade. The shard never holds the socket. Mounted after `webSocketUpgrade`.
 */
export async function stockEvents(c: Context<AppEnv>): Promise<Response> {
  const sku = input(c).params.sku ?? "";
  const router = c.get("router");
  const current = await guarded(
    router.locate("inventory", sku),
    { delivery: "read", deadline: clientDeadline(c), meta: { reserved: c.get("admin") } },
    (meta) => router.inventory(sku).call("getSku", { sku }, meta),
  );
  if (!current.ok) throw fromFailure(current);
  const response = await relayListener(c, sku, JSON.stringify(current.value));
  const json = response.headers.get("Content-Type")?.includes("application/json");
  if (json && (response.status === 429 || response.status === 503)) {
    const refusal = (await response.json()) as FeedRefusal;
    throw new Problem(refusal.code, refusal.detail, refusal.retryAfterMs);
  }
  if (response.status !== 101) {
    throw new Problem(
      "service-unavailable",
      `the stock feed of ${sku} cannot take listeners now`,
      RELAY_RETRY_AFTER_MS,
    );
  }
  return response;
}

/** Hands the upgrade to the sku's relay; an unreachable relay is a `503`, never a `500`. */
async function relayListener(c: Context<AppEnv>, sku: string, view: string): Promise<Response> {
  try {
    return await stockFeedRelay(c.env.STOCK_FEED, sku).fetch(
      new Request(c.req.url, {
        headers: {
          Upgrade: "websocket",
          [LISTENER_HEADERS.sku]: sku,
          [LISTENER_HEADERS.client]: clientOf(c),
          [LISTENER_HEADERS.view]: view,
          [FEED_LIMITS_HEADER]: feedLimitsHeader(loadLimits(c.env).feed),
        },
      }),
    );
  } catch {
    return new Response(null, { status: 502 });
  }
}
