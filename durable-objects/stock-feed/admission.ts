import type { FeedLimits } from "../limits/config";

/** A listener the relay will not take, with the contract's answer. */
export interface FeedRefusal {
  readonly status: 429 | 503;
  readonly code: "listener-limit" | "listeners-full";
  readonly detail: string;
  readonly retryAfterMs: number;
}

/** The tag a client's sockets carry, so they can be counted without a table. */
export const clientTag = (client: string) => `client:${client}`;

const RETRY_AFTER_MS = 30_000;

/** Header in which the edge passes the listener limits it is configured with. */
export const FEED_LIMITS_HEADER = "X-Bulwark-Feed-Limits";

/**
 * The edge's limits from `FEED_LIMITS_HEADER` (`maxPerSku,maxPerClient`), as the rate
 * limiter takes the edge's limit: one configuration, read where the request enters. Missing
 * or malformed values fall back to the relay's own configuration.
 */
export function feedLimitsFrom(header: string | null, fallback: FeedLimits): FeedLimits {
  const [perSku, perClient] = (header ?? "").split(",").map(Number);
  const valid = (n: number | undefined): n is number => Number.isInteger(n) && (n ?? 0) > 0;
  return {
    ...fallback,
    maxPerSku: valid(perSku) ? perSku : fallback.maxPerSku,
    maxPerClient: valid(perClient) ? perClient : fallback.maxPerClient,
  };
}

/** The header value that carries `limits` to the relay. */
export const feedLimitsHeader = (limits: FeedLimits) =>
  `${limits.maxPerSku},${limits.maxPerClient}`;

/**
 * Whether a new listener of `sku` from `client` may connect, given the sku's open sockets
 * (`onSku`) and the client's (`mine`): `503 listeners-full` past `maxPerSku`, `429
 * listener-limit` past `maxPerClient` (per client per sku: each sku has its own relay).
 */
export function refuseListener(
  sku: string,
  client: string,
  counts: { readonly onSku: number; readonly mine: number },
  limits: FeedLimits,
): FeedRefusal | null {
  if (counts.onSku >= limits.maxPerSku) {
    return {
      status: 503,
      code: "listeners-full",
      detail: `sku ${sku} already has ${counts.onSku} of ${limits.maxPerSku} listeners`,
      retryAfterMs: RETRY_AFTER_MS,
    };
  }
  if (counts.mine >= limits.maxPerClient) {
    return {
      status: 429,
      code: "listener-limit",
      detail: `client ${client} already has ${counts.mine} of ${limits.maxPerClient} listeners on sku ${sku}`,
      retryAfterMs: RETRY_AFTER_MS,
    };
  }
  return null;
}
