import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fail, ok } from "../../durable-objects/runtime";
import { IdempotencyStore } from "../../durable-objects/runtime/idempotency";
import { Timers } from "../../durable-objects/runtime/timers";
import { counterStub, unique } from "./helpers";

describe("IdempotencyStore and unrecorded failures", () => {
  it("answers a failure marked unrecorded without keeping it, so the key runs afresh", async () => {
    await runInDurableObject(counterStub(unique("solo")), (_actor, state) => {
      const store = new IdempotencyStore(state.storage, new Timers(state.storage));
      const short = fail("allocation-short", "try again elsewhere", { unrecorded: true });
      expect(store.once("k", "f", 0, () => short)).toEqual(short);
      expect(store.lookup("k", "f", 1)).toEqual({ kind: "miss" });
      expect(store.once("k", "f", 2, () => ok("held"))).toEqual({ ok: true, value: "held" });
      // What ran afresh is kept from then on.
      expect(store.once("k", "f", 3, () => ok("again"))).toEqual({ ok: true, value: "held" });
    });
  });

  it("keeps every other failure, as before", async () => {
    await runInDurableObject(counterStub(unique("solo")), (_actor, state) => {
      const store = new IdempotencyStore(state.storage, new Timers(state.storage));
      const refused = fail("insufficient-stock", "sold out");
      expect(store.once("k", "f", 0, () => refused)).toEqual(refused);
      expect(store.once("k", "f", 1, () => ok("held"))).toEqual(refused);
    });
  });
});
