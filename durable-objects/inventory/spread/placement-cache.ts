import { within } from "../../../core/time";
import type { Placement } from "../protocol";

/** How long an isolate trusts a spread placement it learned (1 s): a K change reaches every edge within it. */
export const PLACEMENT_TTL_MS = 1000;
/**
 * How long it trusts that a sku is plain (60 s): being wrong costs nothing but one answer,
 * since a spread sku's home answers `placement-moved` to a sender that thought it plain.
 */
export const PLAIN_TTL_MS = 60_000;
/** Entries kept per isolate before the cache starts over (bounded memory under many skus). */
const MAX_ENTRIES = 10_000;
/** How long a miss waits for another request's load of the same sku before loading itself. */
export const JOIN_WAIT_MS = 1000;

/**
 * Placements an edge isolate learned, each trusted for `PLACEMENT_TTL_MS` (or `PLAIN_TTL_MS`). A stale entry is
 * harmless: a plain-looking sku that became spread answers `placement-moved` (and the
 * caller learns), and a retired sub-shard still serves holds from its allocation.
 */
export class PlacementCache {
  /** The one cache of this isolate. */
  static readonly shared = new PlacementCache();
  readonly #entries = new Map<string, { placement: Placement; at: number }>();
  readonly #loading = new Map<string, { readonly load: Promise<unknown>; readonly at: number }>();
  readonly #joinWaitMs: number;
  readonly #now: () => number;

  constructor(opts: { joinWaitMs?: number; now?: () => number } = {}) {
    this.#joinWaitMs = opts.joinWaitMs ?? JOIN_WAIT_MS;
    this.#now = opts.now ?? Date.now;
  }

  get(sku: string, now = Date.now()): Placement | undefined {
    const entry = this.#entries.get(sku);
    if (!entry) return undefined;
    const ttl = entry.placement.spread ? PLACEMENT_TTL_MS : PLAIN_TTL_MS;
    return now - entry.at < ttl ? entry.placement : undefined;
  }

  set(placement: Placement, now = Date.now()): Placement {
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(placement.sku, { placement, at: now });
    return placement;
  }

  /**
   * Runs `load` once for concurrent misses of the same sku, as an economy, never a
   * dependency: a miss that finds another request's load running waits for it at most
   * `joinWaitMs` (on its own timer) and takes its answer only if it succeeded; otherwise it
   * loads for itself. In workerd a promise whose I/O belongs to another request can stay
   * pending for ever (that request was cancelled: its client hung up), and that request's
   * failure was shaped by its own deadline and breaker, not this one's. A load running for
   * `joinWaitMs` is no longer joined: the next miss starts the one others join.
   */
  async once<T extends { readonly ok: boolean }>(sku: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const running = this.#loading.get(sku);
    const waitMs = running ? running.at + this.#joinWaitMs - now : 0;
    if (running && waitMs > 0) {
      const joined = await within(running.load as Promise<T>, waitMs);
      return joined.ended === "value" && joined.value.ok ? joined.value : load();
    }
    const entry = {
      at: now,
      load: load().finally(() => {
        if (this.#loading.get(sku) === entry) this.#loading.delete(sku);
      }),
    };
    this.#loading.set(sku, entry);
    return entry.load;
  }
}
