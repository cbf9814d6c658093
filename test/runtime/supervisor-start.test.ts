import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../durable-objects";
import type { ActorInspection } from "../../durable-objects/runtime";
import { supervisionSpec } from "../../durable-objects/supervision";
import { shardCount } from "../workers/services";
import {
  child,
  counterStub,
  isStopped,
  journal,
  statuses,
  supervise,
  supervisor,
  unique,
} from "./supervision-helpers";

describe("Starting a supervisor", { timeout: 20_000 }, () => {
  it("starts its children in start order", async () => {
    const sup = unique("b");
    await supervise(sup, {}, ["a", "b", "c"]);
    expect(await journal(sup)).toEqual(["start:a", "start:b", "start:c"]);
  });

  it("fails when a child fails to start, terminating the started ones in reverse order and naming the child and the reason", async () => {
    const sup = unique("b");
    await counterStub(`${sup}/c`).failNextStarts(1);
    const result = await supervisor(sup).configure({
      children: ["a", "b", "c", "d"].map((n) => child(sup, n)),
    });
    expect(result).toMatchObject({
      error: "failed_to_start_child",
      child: `${sup}/c`,
      detail: expect.stringContaining("start failed"),
    });
    expect(await journal(sup)).toEqual([
      "start:a",
      "start:b",
      "start:c",
      "stop:b:shutdown",
      "stopped:b",
      "stop:a:shutdown",
      "stopped:a",
    ]);
    expect(await supervisor(sup).view()).toMatchObject({
      status: "stopped",
      reason: expect.stringContaining(`failed_to_start_child: ${sup}/c`),
    });
    expect(await isStopped(sup, "a")).toBe(true);
  });

  it("keeps a child whose start answers ignore, not running, and starts the rest", async () => {
    const sup = unique("b");
    await counterStub(`${sup}/b`).ignoreNextStarts(1);
    await supervise(sup, {}, ["a", "b", "c"]);
    expect(await statuses(sup)).toEqual({ a: "running", b: "down", c: "running" });
  });

  it("refuses an invalid spec naming the field, and keeps running on the spec it had", async () => {
    const sup = unique("b");
    const stub = await supervise(sup, {}, ["a"]);
    expect(await stub.configure({ flags: { intensity: -1 }, children: [] })).toMatchObject({
      error: "invalid_flags",
      field: "flags",
      detail: "flags.intensity must be an integer >= 0, got -1",
    });
    const noId = [{ address: { binding: "EXAMPLE_COUNTER", name: "x" } }] as unknown as [];
    expect(await stub.configure({ children: noId })).toMatchObject({
      error: "invalid_child_spec",
      child: null,
      field: "id",
    });
    expect(await stub.configure({ children: [child(sup, "b"), child(sup, "b")] })).toMatchObject({
      error: "duplicate_child_id",
      child: `${sup}/b`,
    });
    expect(await stub.countChildren()).toMatchObject({ ok: true, specs: 1, active: 1 });
  });

  it("takes its children over on first use without starting them, so the first exit report it hears counts", async () => {
    // "orders" is the reference tree's service supervisor: nobody configured or started it.
    const orders = supervisor("orders");
    const shard = () =>
      env.ORDERS.get(env.ORDERS.idFromName("orders-3")) as unknown as {
        inspect(): Promise<ActorInspection>;
      };
    const shards = shardCount("orders");
    expect(await orders.countChildren()).toMatchObject({ ok: true, specs: shards, active: shards });
    expect((await shard().inspect()).status).toBe("idle");
    const report = { childId: "orders-3", reason: "boom", at: Date.now(), generation: 7 };
    await orders.childExited(report);
    expect((await orders.view()).children[3]).toMatchObject({
      id: "orders-3",
      status: "running",
      restarts: 1,
    });
    // The restart numbered the child's start: a report from the old incarnation is stale now.
    await orders.childExited(report);
    expect((await orders.view()).children[3]).toMatchObject({ restarts: 1 });
  });

  it("runs the reference service supervisor as simple_one_for_one over one shard template when configured so", async () => {
    const config = loadConfig({ ...env, SUPERVISOR_STRATEGY: "simple_one_for_one" });
    const spec = supervisionSpec(config, "inventory");
    if (!spec) throw new Error("no inventory spec");
    const stub = supervisor(unique("inventory-sup"));
    const result = await stub.configure({ ...spec, parent: undefined });
    expect(result).toMatchObject({ ok: true, view: { strategy: "simple_one_for_one" } });
    expect(await stub.countChildren()).toEqual({
      ok: true,
      specs: 1,
      active: shardCount("inventory"),
      supervisors: 0,
      workers: shardCount("inventory"),
    });
    const page = await stub.whichChildren({ limit: 2 });
    expect("error" in page ? [] : page.children.map((c) => c.id)).toEqual([
      "inventory-0",
      "inventory-1",
    ]);
  });
});
