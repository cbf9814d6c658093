import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { counter, counterStub, unique } from "./helpers";

describe("Actor", () => {
  it("rolls back a crashed message's writes", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 5 });
    const crashed = await counter(name).call("add", { by: 3, crash: true });
    expect(crashed).toMatchObject({ ok: false, code: "internal-error" });
    expect((await counterStub(name).stored()).value).toBe(5);
  });

  it("rebuilds in-memory state from storage after a crash", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 5 });
    const before = (await counterStub(name).inspect()).incarnation;
    await counter(name).call("add", { by: 3, crash: true });
    // Memory had 8 before the throw; the next message starts a new incarnation from storage.
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 5 });
    expect((await counterStub(name).inspect()).incarnation).toBeGreaterThan(before);
  });

  it("retries a failed onStart on the next message instead of caching the failure", async () => {
    const name = unique("solo");
    await counterStub(name).failNextStarts(1);
    expect(await counter(name).call("get", null)).toMatchObject({
      ok: false,
      code: "internal-error",
    });
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 0 });
  });

  it("keeps its state across eviction", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 7 });
    await abortAllDurableObjects();
    expect(await counter(name).call("get", null)).toMatchObject({ ok: true, value: 7 });
  });

  it("replays a keyed command's first result without applying it again", async () => {
    const name = unique("solo");
    const meta = { idempotencyKey: "k1", fingerprint: '{"by":2}' };
    const first = await counter(name).call("add", { by: 2 }, meta);
    const again = await counter(name).call("add", { by: 2 }, meta);
    expect(again).toEqual(first);
    expect((await counterStub(name).stored()).value).toBe(2);
  });

  it("refuses a reused idempotency key with another fingerprint and changes nothing", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 2 }, { idempotencyKey: "k", fingerprint: "a" });
    const reused = await counter(name).call(
      "add",
      { by: 9 },
      { idempotencyKey: "k", fingerprint: "b" },
    );
    expect(reused).toMatchObject({ ok: false, code: "idempotency-key-reused" });
    expect((await counterStub(name).stored()).value).toBe(2);
  });

  it("keeps nothing for a keyed command that crashed, so its retry runs afresh", async () => {
    const name = unique("solo");
    const meta = { idempotencyKey: "k", fingerprint: "f" };
    await counter(name).call("add", { by: 4, crash: true }, meta);
    expect(await counter(name).call("add", { by: 4 }, meta)).toMatchObject({ ok: true, value: 4 });
  });

  it("drops a command whose deadline has already passed", async () => {
    const name = unique("solo");
    const late = await counter(name).call("add", { by: 1 }, { budgetMs: 0 });
    expect(late).toMatchObject({ ok: false, code: "deadline-exceeded" });
    expect((await counterStub(name).stored()).value).toBe(0);
  });

  it("emits one telemetry event per message with its outcome", async () => {
    const name = unique("solo");
    await counter(name).call("add", { by: 1 });
    await counter(name).call("add", { by: 1 }, { budgetMs: 0 });
    const { commands } = await counterStub(name).inspect();
    expect(commands.add).toMatchObject({ count: 2, outcomes: { ok: 1, "deadline-exceeded": 1 } });
  });
});
