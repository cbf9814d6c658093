import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IdempotencyStore } from "../../durable-objects/runtime/idempotency";
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
