import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type InventoryShard, ShardRouter } from "../../../durable-objects";
import { EXPIRY_BATCH } from "../../../durable-objects/inventory/hold-expiry";
import { atShard, eventually, freshShardSkus, inventoryShard, uniqueSku } from "../client";

/** Each test on a shard of its own: the expiry timer is per shard. */
const freshSku = freshShardSkus("expiry");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the shard's alarm from firing, so only the commands themselves can expire holds. */
const silenceAlarm = (sku: string) =>
  runInDurableObject(inventoryShard(sku), (_instance, state) => state.storage.deleteAlarm());

/** The shard's hold timers (`holds:due`, and per-hold `hold:<id>` of earlier versions). */
const holdTimers = (sku: string) =>
  runInDurableObject(inventoryShard(sku), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string; due: number }>(
        "SELECT name, due FROM _bulwark_timers WHERE name LIKE 'hold%' ORDER BY name",
      )
      .toArray(),
  );

/** Writes rows as an earlier version (or time passing) would leave them, then restarts. */
const rewriteAndRestart = (sku: string, write: (sql: SqlStorage) => void) =>
  runInDurableObject(inventoryShard(sku), async (instance: InventoryShard, state) => {
    write(state.storage.sql);
    await instance.restart();
  });

describe("Hold expiry timer", () => {
  it("is one timer per shard, due at the earliest active hold, moving on as holds expire", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100);
    const later = await atShard.placeHold(sku, 1, 300);
    const first = await atShard.placeHold(sku, 2, 1);
    await atShard.placeHold(sku, 3, 600);
    expect(await holdTimers(sku)).toEqual([
      { name: "holds:due", due: Date.parse(first.expiresAt) },
    ]);
    await eventually(
      () => atShard.getHold(sku, first.holdId),
      (h) => typeof h !== "string" && h.status === "expired",
    );
    expect(await holdTimers(sku)).toEqual([
      { name: "holds:due", due: Date.parse(later.expiresAt) },
    ]);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 4 });
  });

  it("replaces the per-hold timers of earlier versions on start, and still expires their holds", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100);
    const hold = await atShard.placeHold(sku, 4, 300);
    // Due soon, not already: a due time in the past fires the alarm at once, which could
    // consume the timer before the check below reads it.
    const due = Date.now() + 1500;
    await rewriteAndRestart(sku, (sql) => {
      sql.exec("DELETE FROM _bulwark_timers WHERE name = 'holds:due'");
      sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", due, hold.holdId);
      sql.exec(
        "INSERT INTO _bulwark_timers (name, due, payload) VALUES (?, ?, ?)",
        `hold:${hold.holdId}`,
        due,
        JSON.stringify({ sku }),
      );
    });
    expect(await holdTimers(sku)).toEqual([{ name: "holds:due", due }]);
    await eventually(
      () => atShard.getHold(sku, hold.holdId),
      (h) => typeof h !== "string" && h.status === "expired",
    );
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0, available: 100 });
  });

  it("stays where a failed firing's backoff moved it when the shard starts again", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100);
    await atShard.placeHold(sku, 1, 1);
    const backedOff = Date.now() + 60_000;
    await rewriteAndRestart(sku, (sql) => {
      sql.exec(
        "UPDATE _bulwark_timers SET due = ?, attempts = 2 WHERE name = 'holds:due'",
        backedOff,
      );
    });
    await sleep(1100);
    await atShard.putSku(sku, 100); // a write expires the due hold itself
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0 });
    expect(await holdTimers(sku)).toEqual([{ name: "holds:due", due: backedOff }]);
  });

  it("expires a sku's due holds of one firing with one write of the sku's row", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100);
    const holds = [
      await atShard.placeHold(sku, 2, 300),
      await atShard.placeHold(sku, 3, 300),
      await atShard.placeHold(sku, 4, 300),
    ];
    const before = (await atShard.getSku(sku)) as { version: number };
    // Time passes for all three at once: one firing finds them all due.
    await runInDurableObject(inventoryShard(sku), async (instance: InventoryShard, state) => {
      const past = Date.now() - 1000;
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE sku = ?", past, sku);
      state.storage.sql.exec("UPDATE _bulwark_timers SET due = ? WHERE name = 'holds:due'", past);
      await instance.alarm();
    });
    for (const hold of holds) {
      expect(await atShard.getHold(sku, hold.holdId)).toMatchObject({ status: "expired" });
    }
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0, version: before.version + 1 });
  });

  it("expires a backlog larger than one batch over several firings", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 1000);
    const n = EXPIRY_BATCH + 20;
    await rewriteAndRestart(sku, (sql) => {
      for (let i = 0; i < n; i++) {
        sql.exec(
          "INSERT INTO holds (hold_id, sku, quantity, status, expires_at) VALUES (?, ?, 1, 'active', ?)",
          `h_backlog_${i}_${sku}`,
          sku,
          Date.now() - 1000,
        );
      }
      sql.exec("UPDATE skus SET held = ? WHERE sku = ?", n, sku);
    });
    await eventually(
      () => atShard.getSku(sku),
      (v) => typeof v !== "string" && v.held === 0,
    );
    expect(await holdTimers(sku)).toEqual([]); // nothing left to wake the shard for
  });
});

describe("Holds due on a write", () => {
  it("are expired by the next write on their sku even when the alarm has not fired, after a later hold was placed first", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100);
    await atShard.placeHold(sku, 5, 300);
    await atShard.placeHold(sku, 7, 1); // due before the one placed first
    await silenceAlarm(sku);
    await sleep(1100);
    await atShard.placeHold(sku, 1, 300);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 6, available: 94 });
  });

  it("are looked for by the first write after a restart, which knows nothing of holds it did not place", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100); // this incarnation now knows of no active hold at all
    // A due hold in storage that this incarnation never saw (an earlier one placed it).
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO holds (hold_id, sku, quantity, status, expires_at) VALUES (?, ?, 3, 'active', ?)",
        `h_earlier_${sku}`,
        sku,
        Date.now() - 1000,
      );
      state.storage.sql.exec("UPDATE skus SET held = held + 3 WHERE sku = ?", sku);
    });
    await runInDurableObject(inventoryShard(sku), (instance: InventoryShard) => instance.restart());
    await atShard.putSku(sku, 100);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0, available: 100 });
    expect(await atShard.getHold(sku, `h_earlier_${sku}`)).toMatchObject({ status: "expired" });
  });
});

describe("Holds due on a write, behind a backlog", () => {
  /** Another sku on the same shard as `sku`. */
  const neighbourOf = (sku: string) => {
    const router = new ShardRouter(env);
    const shard = router.locate("inventory", sku).name;
    for (;;) {
      const other = uniqueSku("neighbour");
      if (router.locate("inventory", other).name === shard) return other;
    }
  };

  it("drain the shard's due holds a batch per write, and a write finds its own sku's due hold beyond a full batch", async () => {
    const busy = freshSku();
    const quiet = neighbourOf(busy);
    await atShard.putSku(busy, 100);
    await atShard.putSku(quiet, 100);
    await atShard.placeHold(quiet, 4, 1); // due in a second: the latest due hold of all
    await silenceAlarm(busy); // same shard: only writes expire holds from here
    // A backlog of due holds on the busy sku, all due before the quiet sku's (zero units, so
    // its row, which the shard keeps in memory, stays true).
    const backlog = EXPIRY_BATCH + 20;
    const past = Date.now() - 60_000;
    await runInDurableObject(inventoryShard(busy), (_instance, state) => {
      for (let i = 0; i < backlog; i++) {
        state.storage.sql.exec(
          "INSERT INTO holds (hold_id, sku, quantity, status, expires_at) VALUES (?, ?, 0, 'active', ?)",
          `h_backlog_${i}_${busy}`,
          busy,
          past + i,
        );
      }
    });
    const activeOf = (sku: string) =>
      runInDurableObject(
        inventoryShard(sku),
        (_instance, state) =>
          state.storage.sql
            .exec<{ n: number }>(
              "SELECT COUNT(*) AS n FROM holds WHERE sku = ? AND status = 'active'",
              sku,
            )
            .one().n,
      );
    await sleep(1100);
    await atShard.placeHold(quiet, 1); // one write on the quiet sku
    expect(await atShard.getSku(quiet)).toMatchObject({ held: 1, available: 99 });
    expect(await activeOf(busy)).toBe(backlog - EXPIRY_BATCH);
    await atShard.placeHold(quiet, 1); // the next write drains the rest
    expect(await activeOf(busy)).toBe(0);
  });
});

describe("Holds' time index", () => {
  /** The shard's indexes on `holds`, by name. */
  const holdIndexes = (sku: string) =>
    runInDurableObject(inventoryShard(sku), (_instance, state) =>
      state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'holds' ORDER BY name",
        )
        .toArray()
        .map((r) => r.name),
    );

  it("is one (status, expires_at) index; a shard on an older database drops the two it replaced, and its due holds still expire", async () => {
    const sku = freshSku();
    await atShard.putSku(sku, 100);
    expect(await holdIndexes(sku)).toEqual([
      "holds_by_time",
      "holds_client",
      "sqlite_autoindex_holds_1",
    ]);
    const hold = await atShard.placeHold(sku, 4, 300);
    await silenceAlarm(sku);
    // The database as an earlier version left it: two indexes of the time, none of this one.
    await rewriteAndRestart(sku, (sql) => {
      sql.exec("DROP INDEX holds_by_time");
      sql.exec("CREATE INDEX holds_active ON holds (sku, status, expires_at)");
      sql.exec("CREATE INDEX holds_finished ON holds (status, expires_at)");
      sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", Date.now() - 1000, hold.holdId);
    });
    expect(await holdIndexes(sku)).toEqual([
      "holds_by_time",
      "holds_client",
      "sqlite_autoindex_holds_1",
    ]);
    await atShard.placeHold(sku, 1, 300); // a write on the sku expires its due hold
    expect(await atShard.getHold(sku, hold.holdId)).toMatchObject({ status: "expired" });
    expect(await atShard.getSku(sku)).toMatchObject({ held: 1, available: 99 });
  });
});
