import { logEvent } from "../../../core/log";
import { alarmManager } from "./stub";

/** Waits between the tries of one report: 3 attempts in all, 100 ms then 1 s apart. */
export const REPORT_BACKOFF_MS = [100, 1000] as const;
/** Tries of one raise or clear before it is logged as lost. */
export const REPORT_ATTEMPTS = REPORT_BACKOFF_MS.length + 1;

/**
 * The inventory shard's link to `stock-depleted`: it notes the edges a message caused
 * (`edge`), and once the message committed `flush` reports them to the alarm manager —
 * raise on depletion, clear on replenishment — in the order they happened (one chain per
 * shard instance), off the write path (`ctx.waitUntil`). A message that crashes never
 * flushes: the shard builds a fresh reporter on restart, so rolled-back edges are dropped.
 */
export class StockAlarmReporter {
  readonly #env: Cloudflare.Env;
  readonly #edges = new Map<string, boolean>();
  #chain: Promise<void> = Promise.resolve();

  constructor(env: Cloudflare.Env) {
    this.#env = env;
  }

  /** `sku` became depleted (`true`) or stopped being depleted (`false`) in this message. */
  edge(sku: string, depleted: boolean): void {
    this.#edges.set(sku, depleted);
  }

  /** Sends this message's edges after the ones before it; `null` when there are none. */
  flush(): Promise<void> | null {
    if (this.#edges.size === 0) return null;
    const edges = [...this.#edges];
    this.#edges.clear();
    this.#chain = this.#chain.then(() => this.#send(edges));
    return this.#chain;
  }

  /** Never rejects: a failure is logged, and the chain stays usable for later edges. */
  async #send(edges: [string, boolean][]): Promise<void> {
    for (const [sku, depleted] of edges) await this.#report(sku, depleted);
  }

  /**
   * One raise or clear, tried `REPORT_ATTEMPTS` times (waiting `REPORT_BACKOFF_MS` between
   * tries, inside the same `waitUntil`) before it is logged as lost. The shard's durable
   * stock is the source of truth; a lost report stays wrong until the sku's next edge (a
   * full reconcile of `stock-depleted` against the shards is future work).
   */
  async #report(sku: string, depleted: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const alarms = alarmManager(this.#env);
        if (depleted) await alarms.raise({ name: "stock-depleted", source: sku });
        else await alarms.clear("stock-depleted", sku);
        return;
      } catch (error) {
        const fields = { alarm: "stock-depleted", sku, attempt, error: (error as Error).message };
        const wait = REPORT_BACKOFF_MS[attempt - 1];
        if (wait === undefined) return logEvent("error", "alarm-report-lost", fields);
        logEvent("warn", "alarm-report-retried", { ...fields, retryInMs: wait });
        await scheduler.wait(wait);
      }
    }
  }
}
