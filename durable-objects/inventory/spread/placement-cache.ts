import type { Placement } from "../protocol";

/** How long an isolate trusts a placement it learned (1 s): a K change reaches every edge within it. */
export const PLACEMENT_TTL_MS = 1000;
/** Entries kept per isolate before the cache starts over (bounded memory under many skus). */
const MAX_ENTRIES = 10_000;

/**
 * Placements an edge isolate learned, each trusted for `PLACEMENT_TTL_MS`. A stale entry is
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
    return entry && now - entry.at < PLACEMENT_TTL_MS ? entry.placement : undefined;
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
