import { logEvent } from "../../../core/log";
import type { ActorRef } from "../../runtime";
import type { InventoryProtocol, SkuView } from "../protocol";

interface Pending {
  readonly subShard: number;
  readonly part: SkuView;
}

/**
 * A sub-shard's reports of its part to the sku's coordinator, off the write path: a
 * committed change only marks the newest part; one report per sku is in flight at a time,
 * and what changed meanwhile goes in the next (so a burst of holds costs a few reports, not
 * one each). Parts carry their version: a late report never overwrites a newer one. A lost
 * report is healed by the sub-shard's next change or the next transfer touching it.
 */
export class PartReports {
  readonly #coordinator: (sku: string) => ActorRef<InventoryProtocol>;
  readonly #pending = new Map<string, Pending>();
  readonly #sending = new Set<string>();
  readonly #staged = new Map<string, Pending>();

  constructor(coordinator: (sku: string) => ActorRef<InventoryProtocol>) {
    this.#coordinator = coordinator;
  }

  /** Notes a changed part (inside the message; sent only once the message commits). */
  changed(subShard: number, part: SkuView): void {
    this.#staged.set(part.sku, { subShard, part });
  }

  /** Drops what a message that crashed staged. */
  discard(): void {
    this.#staged.clear();
  }

  /** Sends the committed message's parts; the promise settles when the reports did. */
  flush(): Promise<void> | null {
    if (this.#staged.size === 0) return null;
    const sends: Promise<void>[] = [];
    for (const [sku, pending] of this.#staged) {
      this.#pending.set(sku, pending);
      if (!this.#sending.has(sku)) sends.push(this.#send(sku));
    }
    this.#staged.clear();
    return sends.length > 0 ? Promise.all(sends).then(() => {}) : null;
  }

  async #send(sku: string): Promise<void> {
    this.#sending.add(sku);
    try {
      for (let next = this.#pending.get(sku); next; next = this.#pending.get(sku)) {
        this.#pending.delete(sku);
        try {
          const reply = await this.#coordinator(sku).call(
            "reportPart",
            { sku, subShard: next.subShard, part: next.part },
            { reserved: true },
          );
          // A refused report is as lost as a thrown one (the coordinator's sweep heals both).
          if (!reply.ok) logEvent("warn", "part-report-lost", { sku, error: reply.code });
        } catch (error) {
          logEvent("warn", "part-report-lost", { sku, error: String(error) });
        }
      }
    } finally {
      this.#sending.delete(sku);
    }
  }
}
