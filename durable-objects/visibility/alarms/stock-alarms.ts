import { logEvent } from "../../../core/log";
import { alarmManager } from "./stub";

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

  async #send(edges: [string, boolean][]): Promise<void> {
    const alarms = alarmManager(this.#env);
    for (const [sku, depleted] of edges) {
      try {
        if (depleted) await alarms.raise({ name: "stock-depleted", source: sku });
        else await alarms.clear("stock-depleted", sku);
      } catch (error) {
        logEvent("error", "alarm-report-failed", {
          alarm: "stock-depleted",
          sku,
          error: (error as Error).message,
        });
      }
    }
  }
}
