/**
 * The data work of every bench-only Worker in bench/overhead (bare, itty-durable,
 * @cloudflare/actors, partyserver): one SQLite row per sku and one per hold, the same
 * statements the product's inventory shard runs. Sharing it means the configurations differ
 * only in how a request reaches the object and what wraps the command, which is what the
 * overhead bench measures.
 */

/** The product's `SkuView`, byte for byte. */
export interface SkuView {
  sku: string;
  stock: number;
  available: number;
  held: number;
  sold: number;
  version: number;
}

/** The product's `HoldView`, byte for byte. */
export interface HoldView {
  holdId: string;
  sku: string;
  quantity: number;
  status: "active";
  expiresAt: string;
}

/** A hold's outcome: the hold, or the contract code of why not. */
export type HoldOutcome = HoldView | { code: "not-found" | "insufficient-stock" };

type SkuRow = { sku: string; stock: number; held: number; sold: number; version: number };

/** Creates the tables (idempotent; call from the object's constructor). */
export function createTables(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS skus (
       sku TEXT PRIMARY KEY, stock INTEGER NOT NULL, held INTEGER NOT NULL,
       sold INTEGER NOT NULL, version INTEGER NOT NULL)`,
  );
  sql.exec(
    `CREATE TABLE IF NOT EXISTS holds (
       hold_id TEXT PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER NOT NULL,
       status TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
  );
  sql.exec("CREATE INDEX IF NOT EXISTS holds_expiry ON holds (status, expires_at)");
}

/** The sku's row as a `SkuView`, or null when it was never stocked. */
export function getSku(sql: SqlStorage, sku: string): SkuView | null {
  const row = sql
    .exec<SkuRow>("SELECT sku, stock, held, sold, version FROM skus WHERE sku = ?", sku)
    .toArray()[0];
  return row ? { ...row, available: row.stock - row.held - row.sold } : null;
}

/** Seeds the bench: sets the sku's stock (creating its row) and bumps its version. */
export function putSku(sql: SqlStorage, sku: string, stock: number): SkuView {
  sql.exec(
    `INSERT INTO skus (sku, stock, held, sold, version) VALUES (?, ?, 0, 0, 1)
     ON CONFLICT (sku) DO UPDATE SET stock = excluded.stock, version = version + 1`,
    sku,
    stock,
  );
  return getSku(sql, sku) as SkuView;
}

/**
 * Checks stock and records a hold in one transaction: the hold row and the sku's `held`
 * and `version` commit together or not at all. The hold's expiry is its `expires_at`
 * (indexed); `expireHolds` returns due holds' units, run from the object's alarm.
 */
export function placeHold(
  storage: DurableObjectStorage,
  sku: string,
  quantity: number,
  ttlSeconds: number,
  now = Date.now(),
): HoldOutcome {
  return storage.transactionSync((): HoldOutcome => {
    const view = getSku(storage.sql, sku);
    if (view === null) return { code: "not-found" };
    if (quantity > view.available) return { code: "insufficient-stock" };
    const hold: HoldView = {
      holdId: `h_${crypto.randomUUID()}`,
      sku,
      quantity,
      status: "active",
      expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
    };
    storage.sql.exec(
      "INSERT INTO holds (hold_id, sku, quantity, status, expires_at) VALUES (?, ?, ?, 'active', ?)",
      hold.holdId,
      sku,
      quantity,
      now + ttlSeconds * 1000,
    );
    storage.sql.exec(
      "UPDATE skus SET held = held + ?, version = version + 1 WHERE sku = ?",
      quantity,
      sku,
    );
    return hold;
  });
}

/** Expires every active hold due by `now`, returning its units; the next due time or null. */
export function expireHolds(storage: DurableObjectStorage, now = Date.now()): number | null {
  return storage.transactionSync(() => {
    const due = storage.sql
      .exec<{ hold_id: string; sku: string; quantity: number }>(
        "SELECT hold_id, sku, quantity FROM holds WHERE status = 'active' AND expires_at <= ?",
        now,
      )
      .toArray();
    for (const hold of due) {
      storage.sql.exec("UPDATE holds SET status = 'expired' WHERE hold_id = ?", hold.hold_id);
      storage.sql.exec(
        "UPDATE skus SET held = held - ?, version = version + 1 WHERE sku = ?",
        hold.quantity,
        hold.sku,
      );
    }
    const next = storage.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(expires_at) AS at FROM holds WHERE status = 'active'",
      )
      .toArray()[0];
    return next?.at ?? null;
  });
}

/**
 * Keeps the object's one alarm at or before `expiresAt`: an in-memory note of the alarm
 * already set spares a storage call per hold (all bench holds share one TTL).
 */
export class ExpiryAlarm {
  #at: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Makes sure the alarm fires by `expiresAt`. */
  cover(expiresAt: number): void {
    if (this.#at !== null && this.#at <= expiresAt) return;
    this.#at = expiresAt;
    void this.storage.setAlarm(expiresAt);
  }

  /** The alarm handler: expire what is due, re-arm for the next hold. */
  fire(): void {
    this.#at = null;
    const next = expireHolds(this.storage);
    if (next !== null) this.cover(next);
  }
}

/** JSON answers shared by the bench Workers. */
export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

/** The status a `HoldOutcome` answers with: 201, 404 or 409 as in the product's contract. */
export const holdStatus = (outcome: HoldOutcome): number =>
  "holdId" in outcome ? 201 : outcome.code === "not-found" ? 404 : 409;

/** `/v1/skus/{sku}` and `/v1/skus/{sku}/holds`, with the product's sku characters. */
export const ROUTE = /^\/v1\/skus\/([A-Za-z0-9][A-Za-z0-9._:-]{0,63})(\/holds)?$/;

/** The hold request body, with the product's defaults (`ttlSeconds` 300). */
export async function holdBody(
  request: Request,
): Promise<{ quantity: number; ttlSeconds: number }> {
  const body = (await request.json()) as { quantity?: number; ttlSeconds?: number };
  return { quantity: body.quantity ?? 1, ttlSeconds: body.ttlSeconds ?? 300 };
}
