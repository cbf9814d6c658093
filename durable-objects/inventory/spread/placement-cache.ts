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

/**
 * Placements an edge isolate learned, each trusted for `PLACEMENT_TTL_MS` (or `PLAIN_TTL_MS`). A stale entry is
 * harmless: a plain-looking sku that became spread answers `placement-moved` (and the
 * caller learns), and a retired sub-shard still serves holds from its allocation.
 */
export class PlacementCache {
  /** The one cache of this isolate. */
  static readonly shared = new PlacementCache();
  readonly #entries = new Map<string, { placement: Placement; at: number }>();
  readonly #loading = new Map<string, Promise<unknown>>();

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

  /** Runs `load` once for concurrent misses of the same sku: they share its answer. */
  once<T>(sku: string, load: () => Promise<T>): Promise<T> {
    const running = this.#loading.get(sku) as Promise<T> | undefined;
    if (running) return running;
    const started = load().finally(() => this.#loading.delete(sku));
    this.#loading.set(sku, started);
    return started;
  }
}
