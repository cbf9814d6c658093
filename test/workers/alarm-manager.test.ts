import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alarmId } from "../../core/alarms";
import { alarmManager, HISTORY_RETENTION } from "../../durable-objects/visibility/alarms";
import { eventsOf } from "./alarm-history";
import { eventually, uniqueSku } from "./client";

const alarms = () => alarmManager(env);
/**
 * Explicit times in the future: the object's own timer (armed from real time) never fires in
 * the middle of a test that drives the clock by hand.
 */
const T0 = Date.now() + 3_600_000;

describe("Alarm manager: raise, update, clear", () => {
  it("raises an alarm once; raising it again updates it without a second raised event", async () => {
    const sku = uniqueSku();
    const first = await alarms().raise({ name: "stock-depleted", source: sku }, T0);
    expect(first).toMatchObject({
      id: alarmId("stock-depleted", sku),
      name: "stock-depleted",
      source: sku,
      severity: "warning",
      raisedAt: new Date(T0).toISOString(),
      acknowledged: null,
    });
    expect(first.description).toContain(sku);
    expect(first.probableCause).not.toBe("");
    expect(first.repairAction).not.toBe("");
    const again = await alarms().raise(
      { name: "stock-depleted", source: sku, severity: "minor", description: "worse" },
      T0 + 1000,
    );
    expect(again).toMatchObject({
      severity: "minor",
      description: "worse",
      raisedAt: first.raisedAt,
    });
    expect(again.updatedAt).toBe(new Date(T0 + 1000).toISOString());
    await alarms().raise(
      { name: "stock-depleted", source: sku, severity: "minor", description: "worse" },
      T0 + 2000,
    );
    expect((await eventsOf(first.id)).map((e) => e.event)).toEqual(["raised", "updated"]);
  });

  it("clears an active alarm once; clearing an inactive one changes nothing", async () => {
    const sku = uniqueSku();
    const raised = await alarms().raise({ name: "stock-depleted", source: sku }, T0);
    expect(await alarms().clear("stock-depleted", sku, T0 + 5)).toMatchObject({ id: raised.id });
    expect(await alarms().clear("stock-depleted", sku, T0 + 6)).toBeNull();
    expect(await alarms().clear("stock-depleted", uniqueSku(), T0 + 7)).toBeNull();
    expect((await eventsOf(raised.id)).map((e) => [e.event, e.at])).toEqual([
      ["raised", new Date(T0).toISOString()],
      ["cleared", new Date(T0 + 5).toISOString()],
    ]);
    expect((await alarms().list()).active.find((a) => a.id === raised.id)).toBeUndefined();
  });

  it("accepts alarms outside the catalog when they bring a severity (e.g. from hardening)", async () => {
    const source = uniqueSku("ip");
    const alarm = await alarms().raise({ name: "admin-brute-force", source, severity: "critical" });
    expect(alarm).toMatchObject({ name: "admin-brute-force", severity: "critical" });
    expect((await alarms().clearById(alarm.id, "admin")).ok).toBe(true);
  });

  it("acknowledges with who, when and a note; unknown ids answer null", async () => {
    const sku = uniqueSku();
    const raised = await alarms().raise({ name: "stock-depleted", source: sku }, T0);
    const acked = await alarms().acknowledge(raised.id, "admin", "on it", T0 + 10);
    expect(acked?.acknowledged).toEqual({
      by: "admin",
      at: new Date(T0 + 10).toISOString(),
      note: "on it",
    });
    // A later update keeps the acknowledgement.
    const updated = await alarms().raise(
      { name: "stock-depleted", source: sku, severity: "minor" },
      T0 + 20,
    );
    expect(updated.acknowledged?.note).toBe("on it");
    expect(await alarms().acknowledge(alarmId("stock-depleted", uniqueSku()), "admin")).toBeNull();
    expect((await eventsOf(raised.id)).map((e) => e.event)).toEqual([
      "raised",
      "acknowledged",
      "updated",
    ]);
    await alarms().clear("stock-depleted", sku);
  });

  it("summarizes active alarms per severity, new and acknowledged apart", async () => {
    const a = await alarms().raise({ name: "dead-letters", source: uniqueSku("q") });
    const b = await alarms().raise({ name: "dead-letters", source: uniqueSku("q") });
    await alarms().acknowledge(b.id, "admin");
    const { summary, active } = await alarms().list();
    const major = active.filter((x) => x.severity === "major");
    expect(summary.major).toEqual({
      new: major.filter((x) => !x.acknowledged).length,
      acknowledged: major.filter((x) => x.acknowledged).length,
    });
    expect(Object.keys(summary)).toEqual(["critical", "major", "minor", "warning"]);
    const counts = await alarms().counts();
    expect(counts.active.major).toBe(major.length);
    expect(counts.notifications).toEqual({ delivered: 0, retried: 0, "dead-lettered": 0 });
    await alarms().clearById(a.id, "admin");
    await alarms().clearById(b.id, "admin");
  });

  it("lists active alarms most severe first", async () => {
    const s = uniqueSku("svc");
    await alarms().raise({ name: "stock-depleted", source: s });
    await alarms().raise({ name: "service-down", source: s });
    await alarms().raise({ name: "overload", source: s });
    const mine = (await alarms().list()).active
      .filter((a) => a.source === s)
      .map((a) => a.severity);
    expect(mine).toEqual(["critical", "minor", "warning"]);
    for (const name of ["stock-depleted", "service-down", "overload"])
      await alarms().clear(name, s);
  });
});

describe("Alarm manager: operator clear", () => {
  it("clears an event alarm (dead-letters) and records who cleared it", async () => {
    const q = uniqueSku("q");
    const raised = await alarms().deadLettered(q, 2);
    const result = await alarms().clearById(raised.id, "admin");
    expect(result).toMatchObject({ ok: true, alarm: { id: raised.id } });
    expect((await eventsOf(raised.id)).at(-1)).toMatchObject({
      event: "cleared",
      detail: "cleared by admin",
    });
  });

  it("refuses to clear a condition alarm and answers not-found for an inactive one", async () => {
    const sku = uniqueSku();
    const raised = await alarms().raise({ name: "stock-depleted", source: sku });
    expect(await alarms().clearById(raised.id, "admin")).toMatchObject({
      ok: false,
      code: "manual-clear-not-allowed",
    });
    await alarms().clear("stock-depleted", sku);
    expect(await alarms().clearById(raised.id, "admin")).toMatchObject({
      ok: false,
      code: "not-found",
    });
  });
});

describe("Alarm manager: history", () => {
  it("pages newest first, at most 100 per page, with strictly decreasing sequence numbers", async () => {
    const sku = uniqueSku();
    for (let i = 0; i < 60; i++) {
      await alarms().raise({ name: "stock-depleted", source: sku }, T0 + i * 2);
      await alarms().clear("stock-depleted", sku, T0 + i * 2 + 1);
    }
    const first = await alarms().list();
    expect(first.history).toHaveLength(100);
    const seqs = first.history.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const last = first.history.at(-1)?.seq ?? 0;
    const next = await alarms().list(last);
    expect(next.history[0]?.seq).toBeLessThan(last);
    expect(next.history.every((e) => e.seq < last)).toBe(true);
    expect(await eventsOf(alarmId("stock-depleted", sku))).toHaveLength(120);
  });

  it("keeps at most HISTORY_RETENTION events, dropping the oldest", async () => {
    await runInDurableObject(alarms(), async (_instance, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO alarm_events (at, alarm_id, name, source, severity, event) SELECT 0, 'x', 'x', 'x', 'minor', 'raised' FROM n`,
        HISTORY_RETENTION,
      );
    });
    await alarms().raise({ name: "dead-letters", source: uniqueSku("q") });
    await runInDurableObject(alarms(), async (_instance, state) => {
      const [row] = state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM alarm_events")
        .toArray();
      expect(row?.n).toBe(HISTORY_RETENTION);
    });
  });

  it("keeps active alarms and history across a restart of the object", async () => {
    const q = uniqueSku("q");
    const raised = await alarms().deadLettered(q, 1);
    // A failed blockConcurrencyWhile resets the object: the next call gets a fresh instance.
    await runInDurableObject(alarms(), (_instance, state) =>
      state.blockConcurrencyWhile(async () => {
        throw new Error("simulated restart");
      }),
    ).catch(() => undefined);
    const { active } = await alarms().list();
    expect(active.find((a) => a.id === raised.id)).toMatchObject({ name: "dead-letters" });
    expect((await eventsOf(raised.id)).map((e) => e.event)).toContain("raised");
    await alarms().clearById(raised.id, "admin");
  });
});

describe("Alarm manager: threshold alarms and timers", () => {
  it("raises overload only after refusals held for OVERLOAD_RAISE_MS and clears after OVERLOAD_CLEAR_MS clear", async () => {
    const s = uniqueSku("svc");
    const id = alarmId("overload", s);
    expect(await alarms().observe("overload", s, true, T0)).toBeNull();
    expect(await alarms().observe("overload", s, true, T0 + 9_999)).toBeNull();
    expect(await alarms().observe("overload", s, true, T0 + 10_000)).toMatchObject({ id });
    expect(await alarms().observe("overload", s, false, T0 + 11_000)).toMatchObject({ id });
    expect(await alarms().observe("overload", s, false, T0 + 41_000)).toBeNull();
    expect((await eventsOf(id)).filter((e) => e.event !== "action").map((e) => e.event)).toEqual([
      "raised",
      "cleared",
    ]);
  });

  it("raises a flapping overload signal once and does not clear it while it keeps flapping", async () => {
    const s = uniqueSku("svc");
    let now = T0;
    for (let i = 0; i < 40; i++) {
      now += 4_000;
      await alarms().observe("overload", s, i < 4 || i % 2 === 0, now); // 16 s on, then 4 s on / 4 s off
    }
    const events = (await eventsOf(alarmId("overload", s))).map((e) => e.event);
    expect(events.filter((e) => e === "raised")).toHaveLength(1);
    expect(events.filter((e) => e === "cleared")).toHaveLength(0);
    await alarms().observe("overload", s, false, now + 1);
    await alarms().observe("overload", s, false, now + 40_000);
  });

  it("clears dead-letters through the object's alarm once DEAD_LETTERS_CLEAR_MS passed without a dead letter", async () => {
    const q = uniqueSku("q");
    const raised = await alarms().deadLettered(q, 1, Date.now() - 900_000);
    await runDurableObjectAlarm(alarms()); // due now: fires here unless it already fired
    const cleared = await eventually(
      () => alarms().list(),
      (v) => v.active.every((a) => a.id !== raised.id),
    );
    expect(cleared.active.find((a) => a.id === raised.id)).toBeUndefined();
    expect((await eventsOf(raised.id)).at(-1)).toMatchObject({ event: "cleared" });
  });
});
