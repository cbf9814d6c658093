import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  IdempotencyStore,
  SWEEP_BATCH,
  SWEEP_INTERVAL_MS,
} from "../../durable-objects/runtime/idempotency";
import { RuntimeTables } from "../../durable-objects/runtime/runtime-tables";
import { Timers } from "../../durable-objects/runtime/timers";
import { counter, counterStub, unique } from "./helpers";

const records = (name: string) =>
  runInDurableObject(
    counterStub(name),
    (_actor, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM _bulwark_idempotency").one()
        .n,
  );

describe("The idempotency sweep timer", () => {
  it("is routed by the actor's alarm to the sweep, which deletes expired records, and never to onTimer", async () => {
    const name = unique("sweep");
    const reply = await counter(name).call(
      "add",
      { by: 1 },
      { idempotencyKey: "k", fingerprint: "f" },
    );
    expect(reply).toMatchObject({ ok: true, value: 1 });
    expect(await records(name)).toBe(1);
    // Age the record past its time to live and bring its sweep due now (it is set 24 h out).
    await runInDurableObject(counterStub(name), (_actor, state) => {
      state.storage.sql.exec("UPDATE _bulwark_idempotency SET expires_at = ?", Date.now() - 1);
      new Timers(state.storage).schedule(IdempotencyStore.SWEEP_TIMER, Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(counterStub(name))).toBe(true);
    expect(await records(name)).toBe(0);
    // The example actor's onTimer counts every timer it is handed: the sweep is not one.
    expect((await counterStub(name).stored()).fired).toBe(0);
    expect(await counterStub(name).timerDue(IdempotencyStore.SWEEP_TIMER)).toBeNull();
  });
});

describe("The idempotency sweep's cost", () => {
  /** Fills `n` records expiring one per ms from `firstExpiry`, then sweeps at `now`. */
  const sweepOver = (name: string, n: number, firstExpiry: (now: number) => number) =>
    runInDurableObject(counterStub(name), (_actor, state) => {
      const sql = state.storage.sql;
      const timers = new Timers(state.storage);
      const now = Date.now();
      RuntimeTables.of(state.storage).prepare(); // as the object's first write would
      sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO _bulwark_idempotency SELECT 'k' || i, 'f', '{"ok":true}', ? + i FROM n`,
        n - 1,
        firstExpiry(now),
      );
      let rowsRead = 0;
      const counted = {
        exec: (query: string, ...args: SqlStorageValue[]) => {
          const cursor = sql.exec(query, ...args);
          const rows = cursor.toArray();
          rowsRead += cursor.rowsRead;
          return Object.assign(cursor, { toArray: () => rows, one: () => rows[0] });
        },
      } as unknown as SqlStorage;
      const storage = new Proxy(state.storage, {
        get: (target, key) => (key === "sql" ? counted : Reflect.get(target, key)),
      });
      const store = new IdempotencyStore(storage, timers);
      store.lookup("warm-up", "f", now); // what exists is read once per object, not per sweep
      rowsRead = 0;
      store.sweep(now);
      const left = sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM _bulwark_idempotency")
        .one().n;
      return {
        rowsRead,
        deleted: n - left,
        nextInMs: (timers.dueAt(IdempotencyStore.SWEEP_TIMER) ?? 0) - now,
      };
    });

  it("reads by the expiry index, not the table, and waits a minute before the next record expires", async () => {
    const name = unique("sweep-cost");
    await counterStub(name).inspect();
    // Steady keyed traffic: a record expiring every ms, the first two already expired.
    const run = await sweepOver(name, 100_000, (now) => now - 1);
    expect(run.deleted).toBe(2);
    expect(run.rowsRead).toBeLessThan(100);
    expect(run.nextInMs).toBeGreaterThanOrEqual(SWEEP_INTERVAL_MS);
  });

  it("deletes a backlog a batch at a time, soonest first, and comes back soon for the rest", async () => {
    const name = unique("sweep-backlog");
    await counterStub(name).inspect();
    const run = await sweepOver(name, 2 * SWEEP_BATCH + 10, (now) => now - 3 * SWEEP_BATCH);
    expect(run.deleted).toBe(SWEEP_BATCH);
    expect(run.nextInMs).toBeLessThanOrEqual(1000);
  });
});
