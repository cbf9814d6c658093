import type { FeedLimits } from "../limits/config";
import type { SkuView } from "./protocol";

/** The socket surface the feed uses (a hibernatable server-side WebSocket). */
export interface FeedSocket {
  send(message: string): void;
}

/** Where the feed finds its sockets and the latest state, and how it defers work. */
export interface FeedHost {
  /** Open sockets carrying `tag` (a sku, or a client's tag). */
  sockets(tag: string): readonly FeedSocket[];
  /** The sku's current view, read when publishing (so the newest state wins). */
  view(sku: string): SkuView | undefined;
  /** Runs `fn` after `ms`, off the caller's path (`setTimeout` in a Durable Object). */
  later(fn: () => void, ms: number): void;
}

/** A listener the feed will not take, with the contract's answer. */
export interface FeedRefusal {
  readonly status: 429 | 503;
  readonly code: "listener-limit" | "listeners-full";
  readonly detail: string;
  readonly retryAfterMs: number;
}

/** The tag a client's sockets carry, so they can be counted without a table. */
export const clientTag = (client: string) => `client:${client}`;

const RETRY_AFTER_MS = 30_000;

/**
 * Spacing of publishes per listener reached: after sending to n sockets the next publish
 * waits at least n × 0.25 ms (1,000 listeners: 4 publishes a second at most), so the
 * shard's time spent sending stays a small share however many listen.
 */
const SPACING_PER_SOCKET_MS = 0.25;

/** Header in which the edge passes the listener limits it is configured with. */
export const FEED_LIMITS_HEADER = "X-Bulwark-Feed-Limits";

/**
 * The edge's limits from `FEED_LIMITS_HEADER` (`maxPerSku,maxPerClient`), as the rate
 * limiter takes the edge's limit: one configuration, read where the request enters. Missing
 * or malformed values fall back to this object's own configuration.
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

/** The header value that carries `limits` to the shard. */
export const feedLimitsHeader = (limits: FeedLimits) =>
  `${limits.maxPerSku},${limits.maxPerClient}`;

/**
 * Live stock events for one inventory shard, kept off the write path. A committed write
 * only marks its sku changed; one publish per tick (`tickMs`) then reads the sku's latest
 * view and sends that single message to each listener. Writes never wait for sends, a burst
 * of writes costs one send per socket per tick, publishes are spaced by the number of
 * sockets they reach, and a socket that reads slowly gets the newest state rather than a
 * backlog of stale ones (Workers expose no `bufferedAmount` to drop by). Listeners are bounded per sku
 * (`maxPerSku`, `503 listeners-full`) and per client address (`maxPerClient`, `429
 * listener-limit`), checked before the upgrade.
 */
export class StockFeed {
  readonly #host: FeedHost;
  readonly #dirty = new Set<string>();
  #scheduled = false;
  /** No publish before this time (see `SPACING_PER_SOCKET_MS`). */
  #quietUntil = 0;

  constructor(host: FeedHost) {
    this.#host = host;
  }

  /** Whether a new listener of `sku` from `client` may connect under `limits`. */
  admit(sku: string, client: string, limits: FeedLimits): FeedRefusal | null {
    const onSku = this.#host.sockets(sku).length;
    if (onSku >= limits.maxPerSku) {
      return {
        status: 503,
        code: "listeners-full",
        detail: `sku ${sku} already has ${onSku} of ${limits.maxPerSku} listeners`,
        retryAfterMs: RETRY_AFTER_MS,
      };
    }
    const mine = this.#host.sockets(clientTag(client)).length;
    if (mine >= limits.maxPerClient) {
      return {
        status: 429,
        code: "listener-limit",
        detail: `client ${client} already has ${mine} of ${limits.maxPerClient} listeners on this shard`,
        retryAfterMs: RETRY_AFTER_MS,
      };
    }
    return null;
  }

  /**
   * Greets a new listener with the sku's current view; if a publish of that sku is pending,
   * the publish greets it instead (within a tick), so it never gets one state twice.
   */
  welcome(sku: string, socket: FeedSocket, view: SkuView): void {
    if (this.#dirty.has(sku)) return;
    socket.send(JSON.stringify({ type: "stock", ...view }));
  }

  /**
   * Marks skus changed by a committed write; their publish runs on the next tick (`tickMs`,
   * or later while the previous publish's spacing lasts).
   */
  changed(skus: Iterable<string>, tickMs: number, now = Date.now()): void {
    for (const sku of skus) this.#dirty.add(sku);
    if (this.#scheduled || this.#dirty.size === 0) return;
    this.#scheduled = true;
    this.#host.later(() => this.flush(), Math.max(tickMs, this.#quietUntil - now));
  }

  /** Publishes the latest view of every changed sku, once each (the tick calls it). */
  flush(now = Date.now()): void {
    this.#scheduled = false;
    const skus = [...this.#dirty];
    this.#dirty.clear();
    let reached = 0;
    for (const sku of skus) {
      const view = this.#host.view(sku);
      if (!view) continue;
      const message = JSON.stringify({ type: "stock", ...view });
      const sockets = this.#host.sockets(sku);
      reached += sockets.length;
      for (const socket of sockets) {
        try {
          socket.send(message);
        } catch {
          // A socket closing concurrently; its close handler cleans up.
        }
      }
    }
    this.#quietUntil = now + reached * SPACING_PER_SOCKET_MS;
  }
}
