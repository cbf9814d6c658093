import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InventoryShard } from "../../../durable-objects";
import { ClientHoldTotals } from "../../../durable-objects/inventory/client-holds";
import { atShard, expectProblem, http, inventoryShard, uniqueSku } from "../client";

/** Units each client holds of `sku` in active holds, by a `SUM` over the hold rows. */
async function sums(sku: string): Promise<Record<string, number>> {
  return runInDurableObject(inventoryShard(sku), (_instance, state) =>
    Object.fromEntries(
      state.storage.sql
        .exec<{ client: string; units: number }>(
          `SELECT client, SUM(quantity) AS units FROM holds
           WHERE sku = ? AND status = 'active' AND client IS NOT NULL GROUP BY client`,
          sku,
        )
        .toArray()
        .map((r) => [r.client, r.units]),
    ),
  );
}

/**
 * The total the shard enforces for `client`, read off a refusal: a hold one unit past the
 * cap (200, `HOLD_MAX_UNITS_PER_CLIENT`) is refused with the units the shard counts, and a
 * refusal changes nothing.
 */
async function expectEnforced(sku: string, client: string, units: number): Promise<void> {
  const reply = await shardCall(sku, "placeHold", {
    quantity: 200 - units + 1,
    ttlSeconds: 300,
    client,
  });
  expect(reply).toMatchObject({ ok: false, code: "client-hold-limit" });
  expect((reply as { detail?: string }).detail).toContain(`already holds ${units} units`);
}

/** Ages a hold past its expiry (row and timer), as time passing would, then fires the alarm. */
async function expire(sku: string, holdId: string): Promise<void> {
  const shard = inventoryShard(sku);
  const before = await atShard.getHold(sku, holdId);
  await runInDurableObject(shard, (_instance, state) => {
    const past = Date.now() - 1000;
    state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", past, holdId);
    state.storage.sql.exec("UPDATE _bulwark_timers SET due = ? WHERE name = ?", past, "holds:due");
  });
  await runDurableObjectAlarm(shard);
  if (typeof before !== "string" && before.status === "active") {
    expect(await atShard.getHold(sku, holdId)).toMatchObject({ status: "expired" });
  }
}

/** A command straight to the sku's shard object, as the edge's router sends it. */
const shardCall = (
  sku: string,
  command: string,
  payload: Record<string, unknown>,
): Promise<{ ok: boolean; value?: unknown }> =>
  inventoryShard(sku).call(command, { sku, ...payload }) as Promise<{
    ok: boolean;
    value?: unknown;
  }>;

const CLIENTS = ["198.51.100.10", "198.51.100.11", "198.51.100.12"];
/** Units each client holds before the steps (two holds: 110 > one hold's 100-unit limit). */
const BASE = [100, 10];

/** One step of a client's life with holds; `pick` chooses among the holds placed so far. */
const step = fc.oneof(
  fc.record({
    op: fc.constant("place" as const),
    client: fc.constantFrom(...CLIENTS, undefined),
    quantity: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    op: fc.constantFrom("confirm", "release", "compensate", "expire", "tombstone", "restart"),
    pick: fc.nat(),
  }),
);

describe("Per-client totals of held units, in the shard's memory", () => {
  it("equal the SUM of each client's active holds after any mix of place, confirm, release, expire, compensate and restart", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const sku = uniqueSku("totals");
        await atShard.putSku(sku, 10_000);
        // Every client starts at 110 units, so a probe one unit past the cap (200) stays
        // within one hold's limit (100) whatever the steps leave: 110 to 180 units.
        for (const client of CLIENTS) {
          for (const quantity of BASE) {
            const r = await shardCall(sku, "placeHold", { quantity, ttlSeconds: 900, client });
            expect(r.ok).toBe(true);
          }
        }
        const holds: string[] = [];
        for (const s of steps) {
          if (s.op === "place") {
            const r = await shardCall(sku, "placeHold", {
              quantity: s.quantity,
              ttlSeconds: 300,
              client: s.client,
            });
            expect(r.ok).toBe(true);
            holds.push((r.value as { holdId: string }).holdId);
          } else if (s.op === "tombstone") {
            await shardCall(sku, "releaseHold", { holdId: `h_gone_${s.pick}`, compensate: true });
          } else if (s.op === "restart") {
            // A new incarnation: its totals are read from storage again.
            await runInDurableObject(inventoryShard(sku), (instance: InventoryShard) =>
              instance.restart(),
            );
          } else if (holds.length > 0) {
            const holdId = holds[s.pick % holds.length] as string;
            if (s.op === "expire") await expire(sku, holdId);
            else if (s.op === "confirm") await shardCall(sku, "confirmHold", { holdId });
            else await shardCall(sku, "releaseHold", { holdId, compensate: s.op === "compensate" });
          }
          const units = await sums(sku);
          for (const client of CLIENTS) await expectEnforced(sku, client, units[client] ?? 0);
        }
      }),
      { numRuns: 10 },
    );
  });

  it("replace the trigger-kept table of an older shard: its triggers and table are dropped on start, and the limit still holds", async () => {
    const sku = uniqueSku("migrate");
    const client = "198.51.100.20";
    await atShard.putSku(sku, 1000);
    const hold = (quantity: number) =>
      http("POST", `/v1/skus/${sku}/holds`, {
        body: { quantity },
        headers: { "CF-Connecting-IP": client },
      });
    expect((await hold(100)).status).toBe(201);
    // The database as the previous version left it: a table of totals kept by triggers
    // (here one that is wrong, to show it is no longer read) and another active hold.
    const objects = (sql: SqlStorage) =>
      sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 'client_holds%'")
        .toArray()
        .map((r) => r.name)
        .sort();
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE client_holds (
        client TEXT NOT NULL, sku TEXT NOT NULL, units INTEGER NOT NULL CHECK (units >= 0),
        PRIMARY KEY (client, sku))`);
      sql.exec("INSERT INTO client_holds VALUES (?, ?, 0)", client, sku);
      for (const event of ["INSERT", "UPDATE", "DELETE"]) {
        sql.exec(`CREATE TRIGGER client_holds_${event.toLowerCase()} AFTER ${event} ON holds
          BEGIN UPDATE client_holds SET units = units + 1; END`);
      }
      sql.exec(
        "INSERT INTO holds (hold_id, sku, quantity, status, expires_at, client) VALUES (?, ?, 90, 'active', ?, ?)",
        `h_old_${sku}`,
        sku,
        Date.now() + 300_000,
        client,
      );
      expect(objects(sql)).toEqual([
        "client_holds",
        "client_holds_delete",
        "client_holds_insert",
        "client_holds_update",
      ]);
    });
    await runInDurableObject(inventoryShard(sku), (instance: InventoryShard) => instance.restart());
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      expect(objects(state.storage.sql)).toEqual([]);
    });
    expect((await hold(10)).status).toBe(201);
    const over = await hold(1);
    expectProblem(over, 429, "client-hold-limit");
    expect(over.json.detail).toContain("already holds 200 units");
  });

  it("never count a hold whose transaction failed: the incarnation that crashed is gone, the next one reads storage", async () => {
    const sku = uniqueSku("totals-crash");
    const client = "198.51.100.30";
    await atShard.putSku(sku, 1000);
    const place = (quantity: number) =>
      shardCall(sku, "placeHold", { quantity, ttlSeconds: 300, client });
    expect((await place(100)).ok).toBe(true);
    expect((await place(50)).ok).toBe(true);
    // The next command crashes after its handler counted its 40 units: rolled back.
    await inventoryShard(sku).injectFault({ kind: "crash", count: 1, ms: 0, step: 1 });
    expect(await place(40)).toMatchObject({ ok: false, code: "internal-error" });
    await expectEnforced(sku, client, 150);
    expect((await place(50)).ok).toBe(true);
    await expectEnforced(sku, client, 200);
  });
});

describe("ClientHoldTotals' memory", () => {
  /** A shard's store tables, and the totals over them, for `run`. */
  const withTotals = async (run: (totals: ClientHoldTotals, sql: SqlStorage) => void) => {
    const sku = uniqueSku("memory-totals");
    await atShard.putSku(sku, 100);
    await runInDurableObject(inventoryShard(sku), (_instance, state) =>
      run(new ClientHoldTotals(state.storage.sql), state.storage.sql),
    );
  };
  const rawHold = (sql: SqlStorage, client: string, sku: string, quantity: number) =>
    sql.exec(
      "INSERT INTO holds (hold_id, sku, quantity, status, expires_at, client) VALUES (?, ?, ?, 'active', ?, ?)",
      `h_raw_${crypto.randomUUID()}`,
      sku,
      quantity,
      Date.now() + 300_000,
      client,
    );

  it("keeps a loaded total, drops one that falls to 0, and reads storage again after", async () => {
    await withTotals((totals, sql) => {
      const [client, sku] = ["198.51.100.40", "s"];
      expect(totals.units(client, sku)).toBe(0);
      rawHold(sql, client, sku, 5); // behind the totals' back: memory does not see it
      expect(totals.units(client, sku)).toBe(0);
      totals.moved({ client, sku, quantity: 3 }, null, "active");
      expect(totals.units(client, sku)).toBe(3);
      totals.moved({ client, sku, quantity: 3 }, "active", "expired");
      // At 0 the total is dropped, so the next read is storage's: the raw hold's 5.
      expect(totals.units(client, sku)).toBe(5);
    });
  });

  it("starts over past its bound of (client, sku) pairs", async () => {
    await withTotals((totals, sql) => {
      const [client, sku] = ["198.51.100.41", "s"];
      expect(totals.units(client, sku)).toBe(0);
      rawHold(sql, client, sku, 7);
      for (let i = 0; i < 16_384; i++) totals.units(`198.51.100.42-${i}`, sku);
      expect(totals.units(client, sku)).toBe(7); // forgotten, so read from storage again
    });
  });

  it("refuses a move that would make a total negative (a bookkeeping bug fails its transaction)", async () => {
    await withTotals((totals) => {
      const [client, sku] = ["198.51.100.43", "s"];
      expect(totals.units(client, sku)).toBe(0);
      expect(() => totals.moved({ client, sku, quantity: 2 }, "active", "released")).toThrow(
        /would hold -2 units/,
      );
    });
  });
});
