import type { IdempotencyLookup } from "../../runtime";
import type { SkuView } from "../protocol";
import type { InventoryStore, SkuRow } from "../store";

/** What the hot-SKU logic uses of the inventory shard it runs in. */
export interface SpreadHost {
  readonly store: InventoryStore;
  /** The sku's row after expiring its due holds (as every shard command reads it). */
  current(sku: string, now: number): SkuRow | undefined;
  /** Saves a row as the shard saves every change: version, events, publishing, retention. */
  saveSku(before: SkuRow | undefined, after: SkuRow, now: number): SkuView;
  /** The coordinator's `stock-depleted` edge of a spread sku (raise `true`, clear `false`). */
  depletedEdge(sku: string, depleted: boolean, now: number): void;
  /** The sku's aggregate changed: publish it to listeners. */
  changed(sku: string): void;
  /** The reply this object recorded for an idempotency key (`Actor.recordedReply`). */
  recordedReply(key: string, fingerprint: string): IdempotencyLookup;
}
