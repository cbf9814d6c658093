import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InventoryShard } from "../../../durable-objects";
import { atShard, expectProblem, http, inventoryShard, uniqueSku } from "../client";

type Totals = Record<string, number>;

/** The running totals and, independently, the SUM they replace, per `client|sku`. */
async function totalsAndSums(sku: string): Promise<{ totals: Totals; sums: Totals }> {
  return runInDurableObject(inventoryShard(sku), (_instance, state) => {
    const read = (query: string) =>
      Object.fromEntries(
        state.storage.sql
          .exec<{ client: string; sku: string; units: number }>(query, sku)
          .toArray()
          .map((r) => [`${r.client}|${r.sku}`, r.units]),
      );
    return {
      totals: read("SELECT client, sku, units FROM client_holds WHERE sku = ?"),
      sums: read(`SELECT client, sku, SUM(quantity) AS units FROM holds
        WHERE sku = ? AND status = 'active' AND client IS NOT NULL GROUP BY client, sku`),
    };
  });
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

const CLIENTS = ["198.51.100.10", "198.51.100.11", "198.51.100.12", undefined];

/** One step of a client's life with holds; `pick` chooses among the holds placed so far. */
const step = fc.oneof(
  fc.record({
    op: fc.constant("place" as const),
    client: fc.constantFrom(...CLIENTS),
    quantity: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    op: fc.constantFrom("confirm", "release", "compensate", "expire", "tombstone"),
    pick: fc.nat(),
  }),
);

describe("Per-client running totals of held units", () => {
  it("equal the SUM of each client's active holds after any mix of place, confirm, release, expire and compensate", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const sku = uniqueSku("totals");
        await atShard.putSku(sku, 10_000);
        const holds: string[] = [];
        for (const s of steps) {
          if (s.op === "place") {
            const r = await shardCall(sku, "placeHold", {
              quantity: s.quantity,
              ttlSeconds: 300,
              client: s.client,
            });
            if (r.ok) holds.push((r.value as { holdId: string }).holdId);
          } else if (s.op === "tombstone") {
            await shardCall(sku, "releaseHold", { holdId: `h_gone_${s.pick}`, compensate: true });
          } else if (holds.length > 0) {
            const holdId = holds[s.pick % holds.length] as string;
            if (s.op === "expire") await expire(sku, holdId);
            else if (s.op === "confirm") await shardCall(sku, "confirmHold", { holdId });
            else await shardCall(sku, "releaseHold", { holdId, compensate: s.op === "compensate" });
          }
          const { totals, sums } = await totalsAndSums(sku);
          expect(totals).toEqual(sums);
        }
      }),
      { numRuns: 12 },
    );
  });

  it("are backfilled once from the holds a shard kept before they existed, and then enforce the limit", async () => {
    const sku = uniqueSku("migrate");
    const client = "198.51.100.20";
    await atShard.putSku(sku, 1000);
    const hold = (quantity: number) =>
      http("POST", `/v1/skus/${sku}/holds`, {
        body: { quantity },
        headers: { "CF-Connecting-IP": client },
      });
    expect((await hold(100)).status).toBe(201);
    // The database as the previous version left it: no totals table, no triggers, and a
    // hold that version wrote with nobody counting it.
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      const sql = state.storage.sql;
      for (const t of ["insert", "update", "delete"]) sql.exec(`DROP TRIGGER client_holds_${t}`);
      sql.exec("DROP TABLE client_holds");
      sql.exec(
        "INSERT INTO holds (hold_id, sku, quantity, status, expires_at, client) VALUES (?, ?, 90, 'active', ?, ?)",
        `h_old_${sku}`,
        sku,
        Date.now() + 300_000,
        client,
      );
    });
    await runInDurableObject(inventoryShard(sku), (instance: InventoryShard) => instance.restart());
    expect(await totalsAndSums(sku)).toEqual({
      totals: { [`${client}|${sku}`]: 190 },
      sums: { [`${client}|${sku}`]: 190 },
    });
    expect((await hold(10)).status).toBe(201);
    const over = await hold(1);
    expectProblem(over, 429, "client-hold-limit");
    expect(over.json.detail).toContain("already holds 200 units");
    // A second start finds the table and leaves the totals as they are.
    await runInDurableObject(inventoryShard(sku), (instance: InventoryShard) => instance.restart());
    expect((await totalsAndSums(sku)).totals).toEqual({ [`${client}|${sku}`]: 200 });
  });

  it("refuse a bookkeeping bug instead of committing a negative total", async () => {
    const sku = uniqueSku("negative");
    await atShard.putSku(sku, 10);
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      expect(() =>
        state.storage.sql.exec(
          "INSERT INTO client_holds (client, sku, units) VALUES ('198.51.100.30', ?, -1)",
          sku,
        ),
      ).toThrow(/CHECK constraint/);
    });
  });
});
