import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RuntimeTables } from "../../durable-objects/runtime/runtime-tables";
import { storedState } from "../../durable-objects/runtime/testing";
import { counter, counterStub, eventually, unique } from "./helpers";

const fired = (name: string) => async () => (await counterStub(name).stored()).fired;

/** The runtime's tables, as earlier versions created them in every actor's constructor. */
const RUNTIME_TABLES = [
  "_bulwark_faults",
  "_bulwark_idempotency",
  "_bulwark_lifecycle",
  "_bulwark_timers",
];

/** The runtime's part of what `name` keeps: its tables and whether its name is stored. */
const runtimeStorage = (name: string) =>
  runInDurableObject(counterStub(name), async (_actor, state) => {
    const { tables, keys } = await storedState(state.storage);
    return {
      tables: tables.filter((t) => t.startsWith("_bulwark_") && !t.includes("autoindex")),
      named: keys.includes("_bulwark:name"),
    };
  });

const NONE = { tables: [], named: false };
const ALL = {
  tables: [...RUNTIME_TABLES, "_bulwark_idempotency_expiry", "_bulwark_timers_due"].sort(),
  named: true,
};

describe("The runtime's storage is created with an object's first write", () => {
  it("a read creates none of the runtime's tables and does not store the object's name", async () => {
    const name = unique("reader");
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 0 });
    expect(await counterStub(name).inspect()).toMatchObject({ status: "running", faults: [] });
    expect(await runtimeStorage(name)).toEqual(NONE);
  });

  it("a first write creates every table and stores the name, in its transaction", async () => {
    const name = unique("writer");
    expect(await counter(name).call("add", { by: 2 })).toMatchObject({ ok: true, value: 2 });
    expect(await runtimeStorage(name)).toEqual(ALL);
  });

  it("a first write that crashes takes the tables it created with it, and the next write works", async () => {
    const name = unique("first-crash");
    expect(await counter(name).call("add", { by: 1, crash: true })).toMatchObject({
      ok: false,
      code: "internal-error",
    });
    // Rolled back whole: not half a schema, not the name.
    expect(await runtimeStorage(name)).toEqual(NONE);
    // The next incarnation (evicted, or the same object) writes, keys and sets timers.
    await abortAllDurableObjects();
    const keyed = { idempotencyKey: "k", fingerprint: "f" };
    expect(await counter(name).call("add", { by: 2 }, keyed)).toMatchObject({ value: 2 });
    expect(await counter(name).call("add", { by: 2 }, keyed)).toMatchObject({ value: 2 });
    expect(await runtimeStorage(name)).toEqual(ALL);
    expect(await counter(name).call("remind", { name: "soon", inMs: 0 })).toMatchObject({
      ok: true,
    });
    expect(await eventually(fired(name), (n) => n === 1)).toBe(1); // the alarm fired it
  });

  it("a crashed first write on a running incarnation does not leave it believing the tables exist", async () => {
    const name = unique("first-crash-warm");
    expect(await counter(name).call("add", { by: 1, crash: true })).toMatchObject({
      code: "internal-error",
    });
    // Same object, no eviction: a keyed write needs the idempotency table the crash undid.
    const keyed = { idempotencyKey: "k", fingerprint: "f" };
    expect(await counter(name).call("add", { by: 3 }, keyed)).toMatchObject({ ok: true, value: 3 });
    expect(await counter(name).call("add", { by: 3 }, keyed)).toMatchObject({ ok: true, value: 3 });
  });

  it("RuntimeTables forgets, with a rolled-back transaction, the tables it created in it", async () => {
    // On its own, without the actor's crash handling (which forgets too).
    await runInDurableObject(counterStub(unique("tables")), (_actor, state) => {
      const tables = RuntimeTables.of(state.storage);
      tables.define("_bulwark_probe", "CREATE TABLE IF NOT EXISTS _bulwark_probe (v INTEGER)");
      expect(() =>
        tables.transaction(() => {
          tables.write("INSERT INTO _bulwark_probe (v) VALUES (1)");
          expect(tables.has("_bulwark_probe")).toBe(true);
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(tables.has("_bulwark_probe")).toBe(false);
      expect(tables.query("_bulwark_probe", "SELECT v FROM _bulwark_probe")).toEqual([]);
      tables.write("INSERT INTO _bulwark_probe (v) VALUES (2)"); // created again
      expect(tables.query("_bulwark_probe", "SELECT v FROM _bulwark_probe")).toEqual([{ v: 2 }]);
    });
  });

  it("an object whose tables earlier versions created up front keeps its timers and records", async () => {
    const name = unique("upgraded");
    await runInDurableObject(counterStub(name), (_actor, state) => {
      // What the constructors of earlier versions created, with a timer and a record in them.
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE _bulwark_timers (
        name TEXT PRIMARY KEY, due INTEGER NOT NULL, payload TEXT, attempts INTEGER NOT NULL DEFAULT 0)`);
      sql.exec("CREATE INDEX _bulwark_timers_due ON _bulwark_timers (due)");
      sql.exec(`CREATE TABLE _bulwark_idempotency (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, reply TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
      sql.exec("CREATE INDEX _bulwark_idempotency_expiry ON _bulwark_idempotency (expires_at)");
      sql.exec(`CREATE TABLE _bulwark_faults (
        kind TEXT PRIMARY KEY, remaining INTEGER NOT NULL, ms INTEGER NOT NULL, step INTEGER NOT NULL)`);
      sql.exec("CREATE TABLE _bulwark_lifecycle (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      sql.exec("INSERT INTO _bulwark_timers (name, due, payload) VALUES ('old', ?, 'null')", 1);
      sql.exec(
        "INSERT INTO _bulwark_idempotency VALUES ('k', 'f', ?, ?)",
        JSON.stringify({ ok: true, value: 41 }),
        Date.now() + 60_000,
      );
    });
    await abortAllDurableObjects();
    const keyed = { idempotencyKey: "k", fingerprint: "f" };
    expect(await counter(name).call("add", { by: 1 }, keyed)).toEqual({ ok: true, value: 41 });
    // The old timer, due long ago, fires once the incarnation arms the alarm.
    expect(await eventually(fired(name), (n) => n === 1)).toBe(1);
    expect(await counter(name).call("add", { by: 1 })).toMatchObject({ ok: true, value: 1 });
    expect(await runtimeStorage(name)).toEqual(ALL);
  });
});
