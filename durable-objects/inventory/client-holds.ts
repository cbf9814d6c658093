/**
 * Units each client holds of each sku right now, as the shard's incarnation knows them: the
 * per-client cap reads one number from memory on every client hold.
 *
 * The shard is the only writer of its holds, and every write of a hold goes through
 * `InventoryStore` (`insertHold`, `settleHold`), which tells these totals what it wrote, in
 * the same transaction. A total is loaded from storage the first time the incarnation needs
 * it (a `SUM` over the client's active holds of the sku, by the `holds_client` index), then
 * kept up to date by those writes. A transaction that fails crashes the incarnation, whose
 * end (`forget`, from the shard's `onReset`) drops every total with the rest of its memory,
 * so a rolled-back hold never counts: the next incarnation reads storage again.
 *
 * It replaced a table of running totals kept by SQLite triggers, whose upsert was one more
 * write on every hold for a number memory keeps as exactly (what it measured is in the
 * README's "Performance"). Databases that have the table and its triggers lose them on
 * start (`dropTriggerTotals`).
 *
 * A hold counts while its status is `active` and it has a client; saga holds (no client)
 * and compensation tombstones (`released`) never count. Bounded: a total that falls to 0 is
 * dropped, and past `MAX_TOTALS` (client, sku) pairs the totals start over (each is read
 * again when next needed).
 */
export class ClientHoldTotals {
  readonly #sql: SqlStorage;
  /** Units held, by `pairKey(client, sku)`; a total a hold's move brings to 0 is dropped. */
  readonly #units = new Map<string, number>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    dropTriggerTotals(sql);
  }

  /** Units `client` holds of `sku` in active holds (0 when none). */
  units(client: string, sku: string): number {
    const key = pairKey(client, sku);
    const known = this.#units.get(key);
    if (known !== undefined) return known;
    const units = this.#sql
      .exec<{ units: number }>(
        `SELECT COALESCE(SUM(quantity), 0) AS units FROM holds
         WHERE client = ? AND sku = ? AND status = 'active'`,
        client,
        sku,
      )
      .one().units;
    if (this.#units.size >= MAX_TOTALS) this.#units.clear();
    this.#units.set(key, units); // kept at 0 too: the hold that usually follows moves it
    return units;
  }

  /**
   * A hold was written in this transaction, or changed status: `from` is its status before
   * (`null`: it is new), `to` after. Only a move into or out of `active` changes a total,
   * and only a total already loaded is changed (one loaded later reads the row itself).
   */
  moved(
    hold: { client?: string | null; sku: string; quantity: number },
    from: string | null,
    to: string,
  ): void {
    if (hold.client === undefined || hold.client === null) return;
    const delta = (to === "active" ? hold.quantity : 0) - (from === "active" ? hold.quantity : 0);
    if (delta === 0) return;
    const key = pairKey(hold.client, hold.sku);
    const known = this.#units.get(key);
    if (known !== undefined) this.#set(key, hold.client, hold.sku, known + delta);
  }

  /** The soonest expiry among the client's active holds of `sku` (read only on a refusal). */
  soonestExpiry(client: string, sku: string): number | null {
    return this.#sql
      .exec<{ soonest: number | null }>(
        `SELECT MIN(expires_at) AS soonest FROM holds
         WHERE client = ? AND sku = ? AND status = 'active'`,
        client,
        sku,
      )
      .one().soonest;
  }

  /** Drops every total (the incarnation ended); each is read from storage again. */
  forget(): void {
    this.#units.clear();
  }

  #set(key: string, client: string, sku: string, units: number): void {
    if (units < 0) {
      // A bookkeeping bug: fail the transaction (the incarnation crashes and reads storage
      // again) rather than let a client hold more than its cap.
      throw new Error(`client ${client} would hold ${units} units of ${sku}`);
    }
    if (units === 0) this.#units.delete(key);
    else this.#units.set(key, units);
  }
}

/** (client, sku) totals an incarnation keeps before it starts over. */
const MAX_TOTALS = 16_384;

/** One key per (client, sku), length-prefixed so no client and sku can spell another pair. */
const pairKey = (client: string, sku: string): string => `${client.length}:${client}${sku}`;

/**
 * The migration from the trigger-kept table of totals: its triggers and table are dropped,
 * so a hold written from now on costs no upsert. Nothing is lost: totals are read from the
 * holds themselves.
 */
function dropTriggerTotals(sql: SqlStorage): void {
  for (const event of ["insert", "update", "delete"]) {
    sql.exec(`DROP TRIGGER IF EXISTS client_holds_${event}`);
  }
  sql.exec("DROP TABLE IF EXISTS client_holds");
}
