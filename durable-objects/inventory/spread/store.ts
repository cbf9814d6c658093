import { DEFAULT_IDEMPOTENCY_TTL_MS } from "../../runtime";
import type { Placement, SkuView } from "../protocol";

/** The coordinator's row of a spread sku (in its home shard). */
export type CoordinatorRow = {
  readonly sku: string;
  /** The sku's total stock: Σ allocations + units in flight. */
  readonly total: number;
  /** K: sub-shards new holds go to. */
  readonly k: number;
  /** The most sub-shards ever used. */
  readonly highest: number;
  readonly version: number;
  /** Whether `stock-depleted` was last raised (1) or cleared (0) by the coordinator. */
  readonly depleted: number;
  /** JSON `[{ k, until }]`: earlier values of K and when each stopped being current. */
  readonly history: string;
};

/** An earlier K and when it stopped being current (epoch ms). */
export interface PastK {
  readonly k: number;
  readonly until: number;
}

type PartSql = {
  sku: string;
  idx: number;
  stock: number;
  held: number;
  sold: number;
  version: number;
  available: number;
};

/** One transfer of allocation to `target`, as the coordinator's ledger keeps it. */
export interface TransferRow {
  readonly id: string;
  readonly sku: string;
  readonly target: number;
  readonly want: number;
  /** Donors in the order they are asked. */
  readonly donors: readonly number[];
  /** Units each asked donor gave. */
  readonly taken: Readonly<Record<string, number>>;
  /** The donor being asked now (`null` once collection is over). */
  readonly asking: number | null;
  readonly state: "collecting" | "giving" | "done";
  readonly createdAt: number;
}

type TransferSql = Omit<TransferRow, "donors" | "taken" | "createdAt"> & {
  donors: string;
  taken: string;
  created_at: number;
};

export const placementOf = (row: CoordinatorRow, now: number): Placement => ({
  sku: row.sku,
  spread: true,
  subShards: row.k,
  highest: row.highest,
  stock: row.total,
  version: row.version,
  earlier: recentKs(row, now),
});

/**
 * The other values K had within the idempotency records' lifetime: a keyed hold placed
 * under one of them has its record on `hash(key) mod` that K.
 */
export function recentKs(row: CoordinatorRow, now: number): number[] {
  const past = JSON.parse(row.history) as PastK[];
  const since = now - DEFAULT_IDEMPOTENCY_TTL_MS;
  return [...new Set(past.filter((p) => p.until > since && p.k !== row.k).map((p) => p.k))];
}

/** `history` after K moved away from `from` at `now` (entries past the record lifetime dropped). */
export function pushHistory(
  row: Pick<CoordinatorRow, "history"> | undefined,
  from: number,
  now: number,
): string {
  const past = row ? (JSON.parse(row.history) as PastK[]) : [];
  const since = now - DEFAULT_IDEMPOTENCY_TTL_MS;
  return JSON.stringify([
    ...past.filter((p) => p.until > since && p.k !== from),
    { k: from, until: now },
  ]);
}

/**
 * The hot-SKU tables of one inventory shard: the coordinator's rows, ledger and latest
 * known parts (home shard of a spread sku), and the sub-shard side (membership and the
 * record of each transfer's move, so a repeated yield or accept changes nothing).
 * Synchronous SQL, so it composes into the shard's transactions.
 */
export class SpreadStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS spread_skus (sku TEXT PRIMARY KEY, total INTEGER NOT NULL,
      k INTEGER NOT NULL, highest INTEGER NOT NULL, version INTEGER NOT NULL, depleted INTEGER NOT NULL DEFAULT 0, history TEXT NOT NULL DEFAULT '[]')`);
    sql.exec(`CREATE TABLE IF NOT EXISTS spread_parts (sku TEXT NOT NULL, idx INTEGER NOT NULL,
      stock INTEGER NOT NULL, held INTEGER NOT NULL, sold INTEGER NOT NULL, version INTEGER NOT NULL,
      PRIMARY KEY (sku, idx))`);
    sql.exec(
      "CREATE TABLE IF NOT EXISTS spread_members (sku TEXT PRIMARY KEY, idx INTEGER NOT NULL)",
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS spread_moves (transfer_id TEXT PRIMARY KEY, amount INTEGER NOT NULL,
      at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS spread_transfers (id TEXT PRIMARY KEY, sku TEXT NOT NULL,
      target INTEGER NOT NULL, want INTEGER NOT NULL, donors TEXT NOT NULL, taken TEXT NOT NULL,
      asking INTEGER, state TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  coordinator(sku: string): CoordinatorRow | undefined {
    return this.#sql
      .exec<CoordinatorRow>("SELECT * FROM spread_skus WHERE sku = ?", sku)
      .toArray()[0];
  }

  saveCoordinator(row: CoordinatorRow): CoordinatorRow {
    const next = { ...row, version: row.version + 1 };
    this.#sql.exec(
      "INSERT OR REPLACE INTO spread_skus (sku, total, k, highest, version, depleted, history) VALUES (?, ?, ?, ?, ?, ?, ?)",
      next.sku,
      next.total,
      next.k,
      next.highest,
      next.version,
      next.depleted,
      next.history,
    );
    return next;
  }

  /** Every sub-shard membership of this object: sku → sub-shard index. */
  members(): Map<string, number> {
    const rows = this.#sql.exec<{ sku: string; idx: number }>(
      "SELECT sku, idx FROM spread_members",
    );
    return new Map([...rows].map((r) => [r.sku, r.idx]));
  }

  join(sku: string, subShard: number): void {
    this.#sql.exec("INSERT OR REPLACE INTO spread_members (sku, idx) VALUES (?, ?)", sku, subShard);
  }

  /** The latest part the coordinator knows of each sub-shard. */
  parts(sku: string): Map<number, SkuView> {
    const rows = this.#sql.exec<PartSql>(
      "SELECT sku, idx, stock, held, sold, version, stock - held - sold AS available FROM spread_parts WHERE sku = ?",
      sku,
    );
    return new Map([...rows].map(({ idx, ...part }) => [idx, part]));
  }

  /** Records a sub-shard's part unless an equal or newer version is known already. */
  notePart(subShard: number, part: SkuView): boolean {
    const known = this.#sql
      .exec<{ version: number }>(
        "SELECT version FROM spread_parts WHERE sku = ? AND idx = ?",
        part.sku,
        subShard,
      )
      .toArray()[0];
    if (known && known.version >= part.version) return false;
    this.#sql.exec(
      "INSERT OR REPLACE INTO spread_parts (sku, idx, stock, held, sold, version) VALUES (?, ?, ?, ?, ?, ?)",
      part.sku,
      subShard,
      part.stock,
      part.held,
      part.sold,
      part.version,
    );
    return true;
  }

  move(transferId: string): number | undefined {
    return this.#sql
      .exec<{ amount: number }>("SELECT amount FROM spread_moves WHERE transfer_id = ?", transferId)
      .toArray()[0]?.amount;
  }

  /** Records a move; moves older than `keepMs` are dropped (their transfer finished long ago). */
  saveMove(transferId: string, amount: number, now: number, keepMs: number): void {
    this.#sql.exec("DELETE FROM spread_moves WHERE at < ?", now - keepMs);
    this.#sql.exec(
      "INSERT INTO spread_moves (transfer_id, amount, at) VALUES (?, ?, ?)",
      transferId,
      amount,
      now,
    );
  }

  transfer(id: string): TransferRow | undefined {
    const row = this.#sql
      .exec<TransferSql>("SELECT * FROM spread_transfers WHERE id = ?", id)
      .toArray()[0];
    return row && fromSql(row);
  }

  /** Transfers of `sku` not done yet (their units are in flight). */
  openTransfers(sku: string): TransferRow[] {
    return this.#sql
      .exec<TransferSql>("SELECT * FROM spread_transfers WHERE sku = ? AND state != 'done'", sku)
      .toArray()
      .map(fromSql);
  }

  /** Saves a transfer; finished ones older than `keepMs` are dropped. */
  saveTransfer(t: TransferRow, now: number, keepMs: number): TransferRow {
    this.#sql.exec(
      "DELETE FROM spread_transfers WHERE state = 'done' AND created_at < ?",
      now - keepMs,
    );
    this.#sql.exec(
      `INSERT OR REPLACE INTO spread_transfers (id, sku, target, want, donors, taken, asking, state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.sku,
      t.target,
      t.want,
      JSON.stringify(t.donors),
      JSON.stringify(t.taken),
      t.asking,
      t.state,
      t.createdAt,
    );
    return t;
  }
}

const fromSql = (row: TransferSql): TransferRow => ({
  id: row.id,
  sku: row.sku,
  target: row.target,
  want: row.want,
  donors: JSON.parse(row.donors) as number[],
  taken: JSON.parse(row.taken) as Record<string, number>,
  asking: row.asking,
  state: row.state,
  createdAt: row.created_at,
});
