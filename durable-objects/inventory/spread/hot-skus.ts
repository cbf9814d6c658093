import { ShardRouter } from "../../routing";
import type { IdempotencyLookup, Timers } from "../../runtime";
import type { SkuView } from "../protocol";
import { subShardRef } from "./address";
import { loadSpreadConfig, type SpreadConfig } from "./config";
import { Coordinator } from "./coordinator";
import type { SpreadHost } from "./host";
import { PartReports } from "./part-reports";
import { Rebalancer } from "./rebalance";
import { SpreadStore } from "./store";
import { SubShardSide } from "./sub-shard";

/**
 * Everything an inventory shard does for hot SKUs, built once per incarnation (`onStart`):
 * the sub-shard side, the coordinator of the skus whose home this is, the rebalancer, and
 * the reports of parts to coordinators.
 */
export class HotSkus {
  readonly side: SubShardSide;
  readonly coordinator: Coordinator;
  readonly rebalancer: Rebalancer;
  readonly reports: PartReports;
  readonly config: SpreadConfig;
  /** This object's recorded reply for an idempotency key (the actor's), for `keyedReply`. */
  readonly recordedReply: (key: string, fingerprint: string) => IdempotencyLookup;

  constructor(host: SpreadHost, sql: SqlStorage, env: Cloudflare.Env, timers: Timers) {
    const store = new SpreadStore(sql);
    const router = new ShardRouter(env);
    this.config = loadSpreadConfig(env);
    this.side = new SubShardSide(host, store);
    this.coordinator = new Coordinator(host, store, this.side);
    this.rebalancer = new Rebalancer({
      store,
      side: this.side,
      coordinator: this.coordinator,
      timers,
      remote: (sku, subShard) => subShardRef(router, sku, subShard),
    });
    this.reports = new PartReports((sku) => router.inventory(sku));
    this.recordedReply = host.recordedReply;
  }

  /**
   * Every saved SKU row passes here. `true` when this object holds the row as a sub-shard
   * of a spread sku: the part goes to the coordinator (locally for sub-shard 0) and the
   * shard raises no `stock-depleted` of its own for it — the coordinator decides for the
   * whole sku.
   */
  partSaved(part: SkuView, now: number): boolean {
    const subShard = this.side.memberIndex(part.sku);
    if (subShard === null) return false;
    if (subShard === 0) this.coordinator.notePart(part.sku, 0, part, now);
    else this.reports.changed(subShard, part);
    return true;
  }
}
