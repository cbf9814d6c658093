import { logEvent } from "../../core/log";
import type { SkuView } from "./protocol";

/** The relay surface the shard publishes to (a `StockFeedRelay` stub). */
export interface FeedRelay {
  /** `silent`: nobody listens, so the sku need not be published until `wake`. */
  publish(view: SkuView): Promise<{ readonly silent: boolean }>;
}

/** Where the feed finds the latest state and the relays, and how it defers work. */
export interface FeedHost {
  /** The sku's current view, read when publishing (so the newest state wins). */
  view(sku: string): SkuView | undefined;
  /** The relay of `sku`'s listeners. */
  relay(sku: string): FeedRelay;
  /** Runs `fn` after `ms`, off the caller's path (`setTimeout` in a Durable Object). */
  later(fn: () => void, ms: number): void;
  /** Keeps the object alive for a publish in flight (`ctx.waitUntil`); never awaited. */
  keep(promise: Promise<unknown>): void;
}

/** How long a sku waits before its publish is tried again after its relay failed. */
export const RETRY_MS = 1000;

/**
 * Live stock events of one inventory shard, kept off the write path: the shard holds no
 * sockets. A committed write only marks its sku changed; one tick (`tickMs`) later the sku's
 * latest view goes to its relay (`StockFeedRelay`) in one fire-and-forget `publish`, which
 * fans it out. However many listeners or writes, a sku costs the shard at most one small
 * RPC per tick, and at most one in flight: while its relay has not answered, newer changes
 * wait and are coalesced into the next publish (newest wins), so a slow relay gets the
 * newest state rather than a backlog. A relay that fails is logged and tried again after
 * `RETRY_MS`; a command never waits for, or fails with, its relay. A relay that answers
 * `silent` (nobody listens) is not published to again until it calls `wake` (its first
 * listener does), so an unwatched sku costs one publish, not one per tick.
 */
export class StockFeed {
  readonly #host: FeedHost;
  readonly #dirty = new Set<string>();
  readonly #inFlight = new Set<string>();
  /** Skus whose relay said nobody listens. */
  readonly #silent = new Set<string>();
  /**
   * Wakes per sku: a `silent` answer counts only if no wake came since its publish left, or
   * a publish that crossed the first listener's wake would silence the sku again.
   */
  readonly #wakes = new Map<string, number>();
  #scheduled = false;

  constructor(host: FeedHost) {
    this.#host = host;
  }

  /** Marks skus changed by a committed write; their publish runs on the next tick. */
  changed(skus: Iterable<string>, tickMs: number): void {
    for (const sku of skus) if (!this.#silent.has(sku)) this.#dirty.add(sku);
    this.#schedule(tickMs);
  }

  /** Someone listens to `sku` again: publish its newest view on the next tick, and after. */
  wake(sku: string, tickMs: number): void {
    this.#silent.delete(sku);
    this.#wakes.set(sku, (this.#wakes.get(sku) ?? 0) + 1);
    this.changed([sku], tickMs);
  }

  /** Publishes the latest view of every changed sku whose relay is free (the tick calls it). */
  flush(tickMs: number): void {
    this.#scheduled = false;
    for (const sku of [...this.#dirty]) {
      if (this.#inFlight.has(sku)) continue; // published when the one in flight settles
      this.#dirty.delete(sku);
      const view = this.#host.view(sku);
      if (view) this.#publish(view, tickMs);
    }
  }

  #schedule(ms: number): void {
    if (this.#scheduled || this.#dirty.size === 0) return;
    this.#scheduled = true;
    this.#host.later(() => this.flush(ms), ms);
  }

  #publish(view: SkuView, tickMs: number): void {
    const { sku } = view;
    this.#inFlight.add(sku);
    let retryMs = tickMs;
    const wakes = this.#wakes.get(sku) ?? 0;
    const sent = Promise.resolve()
      .then(() => this.#host.relay(sku).publish(view))
      .then((answer) => {
        if (answer.silent && (this.#wakes.get(sku) ?? 0) === wakes) {
          this.#silent.add(sku);
          this.#dirty.delete(sku);
        }
      })
      .catch((error: unknown) => {
        retryMs = Math.max(tickMs, RETRY_MS);
        this.#dirty.add(sku);
        logEvent("warn", "stock-feed-publish-failed", {
          sku,
          version: view.version,
          message: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.#inFlight.delete(sku);
        if (this.#dirty.has(sku)) this.#schedule(retryMs);
      });
    this.#host.keep(sent);
  }
}
