import { fail, ok, type Result } from "../../runtime";
import type { Placement, SkuView } from "../protocol";
import { skuView } from "../store";
import type { SpreadHost } from "./host";
import { type CoordinatorRow, placementOf, pushHistory, type SpreadStore } from "./store";
import type { SubShardSide } from "./sub-shard";
import { aggregateView } from "./view";

const notFound = (sku: string) => fail("not-found", `sku ${sku} does not exist`);

/**
 * The coordinator of a spread sku: sub-shard 0, in the sku's home shard. It keeps the
 * sku's total, K and the highest K used, the latest part each sub-shard reported, and
 * decides `stock-depleted` for the whole sku (every part empty and nothing in flight).
 */
export class Coordinator {
  readonly #host: SpreadHost;
  readonly #store: SpreadStore;
  readonly #side: SubShardSide;

  constructor(host: SpreadHost, store: SpreadStore, side: SubShardSide) {
    this.#host = host;
    this.#store = store;
    this.#side = side;
  }

  /**
   * The sku's coordinator row. Only sub-shard 0 of a spread sku has one (written with its
   * membership, in one transaction), so every other sku — every plain sku's read and hold —
   * is answered from the in-memory membership without a query.
   */
  row(sku: string): CoordinatorRow | undefined {
    return this.#side.memberIndex(sku) === 0 ? this.#store.coordinator(sku) : undefined;
  }

  /** Where `sku`'s stock lives; `undefined` if the sku does not exist. */
  placement(sku: string): Placement | undefined {
    const row = this.row(sku);
    if (row) return placementOf(row, Date.now());
    const plain = this.#host.store.sku(sku);
    if (!plain) return undefined;
    return {
      sku,
      spread: false,
      subShards: 1,
      highest: 1,
      stock: plain.stock,
      version: plain.version,
      earlier: [],
    };
  }

  /**
   * Sets K. A plain sku becomes spread (its row becomes sub-shard 0's allocation, which
   * holds the whole stock until holds elsewhere draw on it); K = 1 on a plain sku changes
   * nothing. Shrinking retires sub-shards: their holds stay valid, their free allocation
   * is pulled back by later transfers.
   */
  setPlacement(sku: string, k: number, now: number): Result<Placement> {
    const home = this.#host.current(sku, now);
    if (!home) return notFound(sku);
    const row = this.row(sku);
    if (!row && k === 1) return ok(this.placement(sku) as Placement);
    // Keyed holds made under the K being left keep their records where that K put them.
    const history = row?.k === k ? row.history : pushHistory(row, row?.k ?? 1, now);
    const saved = this.#store.saveCoordinator(
      row
        ? { ...row, k, highest: Math.max(row.highest, k), history }
        : {
            sku,
            total: home.stock,
            k,
            highest: k,
            version: 0,
            depleted: depletedRow(home),
            history,
          },
    );
    this.#side.join(sku, 0);
    this.#store.notePart(0, skuView(home));
    return ok(placementOf(saved, now));
  }

  /**
   * `PUT /v1/skus/{sku}` on a spread sku: the total changes at sub-shard 0. A decrease
   * takes free units from sub-shard 0; if it has too few, `allocation-short` (unrecorded)
   * asks the caller to pull stock back to it and retry; on the `last` try the answer is
   * `stock-below-committed`.
   */
  putTotal(sku: string, stock: number, last: boolean, now: number): Result<SkuView> {
    // `current` may expire due holds, and saving them re-evaluates depletion (which writes
    // the coordinator row): read that row only afterwards, so nothing here saves a stale copy.
    const home = this.#host.current(sku, now);
    const row = this.row(sku);
    if (!row || !home) throw new Error(`spread sku ${sku} lost its coordinator rows`);
    const delta = stock - row.total;
    const free = home.stock - home.held - home.sold;
    if (delta < 0 && -delta > free) {
      if (!last) {
        return fail(
          "allocation-short",
          `sub-shard 0 of ${sku} has ${free} of ${-delta} free units`,
          {
            data: { available: free, want: -delta - free },
            unrecorded: true,
          },
        );
      }
      return fail(
        "stock-below-committed",
        `stock ${stock} is below what the sub-shards of ${sku} hold, sell or are moving`,
      );
    }
    // The new total first: saving sub-shard 0's part re-evaluates depletion against it.
    this.#store.saveCoordinator({ ...row, total: stock });
    this.#host.saveSku(home, { ...home, stock: home.stock + delta }, now);
    this.evaluate(sku, now);
    return ok(this.view(sku) as SkuView);
  }

  /** A sub-shard's newer part: remembered, and the sku's depletion re-evaluated. */
  notePart(sku: string, subShard: number, part: SkuView, now: number): void {
    if (!this.row(sku)) return;
    if (this.#store.notePart(subShard, part)) this.evaluate(sku, now);
    this.#host.changed(sku);
  }

  /**
   * Raises or clears `stock-depleted` on an edge of "every known part empty, no transfer
   * open, stock > 0". Parts arrive after their changes commit, so the alarm follows the
   * sku within one report.
   */
  evaluate(sku: string, now: number): void {
    const row = this.row(sku);
    // While a transfer is open, a donor's report may already show units the ledger does not
    // hold yet: no decision until it is done (its last step evaluates again).
    if (!row || this.#store.openTransfers(sku).length > 0) return;
    let available = 0;
    for (const part of this.#store.parts(sku).values()) available += part.available;
    const depleted = row.total > 0 && available === 0 ? 1 : 0;
    if (depleted === row.depleted) return;
    this.#store.saveCoordinator({ ...row, depleted });
    this.#host.depletedEdge(sku, depleted === 1, now);
  }

  /**
   * The aggregate view from the latest parts the coordinator knows (sub-shard 0's own
   * part is current; others lag their last change by one report). For live events; a
   * `GET` gathers fresh parts instead.
   */
  view(sku: string): SkuView | undefined {
    const row = this.row(sku);
    if (!row) return undefined;
    const home = this.#host.store.sku(sku);
    const parts = this.#store.parts(sku);
    if (home) parts.set(0, skuView(home));
    return aggregateView(sku, row, parts.values());
  }
}

const depletedRow = (r: { stock: number; held: number; sold: number }) =>
  r.stock > 0 && r.stock - r.held - r.sold === 0 ? 1 : 0;
