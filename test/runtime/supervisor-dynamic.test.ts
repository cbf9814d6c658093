import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  child,
  counterStub,
  isStopped,
  journaled,
  supervise,
  supervisor,
  unique,
} from "./supervision-helpers";

const ROOMY = { intensity: 10, periodMs: 60_000 };

describe("startChild", { timeout: 20_000 }, () => {
  it("adds and starts a child spec, with every default filled in", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a"]);
    expect(await stub.startChild(child(sup, "b"))).toEqual({
      ok: true,
      id: `${sup}/b`,
      started: true,
    });
    expect(await stub.getChildSpec(`${sup}/b`)).toEqual({
      ok: true,
      spec: {
        id: `${sup}/b`,
        address: { binding: "EXAMPLE_COUNTER", name: `${sup}/b` },
        restart: "permanent",
        kind: "actor",
        shutdown: 5000,
        significant: false,
      },
    });
    expect(await stub.countChildren()).toEqual({
      ok: true,
      specs: 2,
      active: 2,
      supervisors: 0,
      workers: 2,
    });
  });

  it("answers already_started for a running child and already_present for a kept spec that does not run", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, [child(sup, "a", { restart: "transient" })]);
    expect(await stub.startChild(child(sup, "a"))).toEqual({
      error: "already_started",
      child: `${sup}/a`,
    });
    expect(await stub.terminateChild(`${sup}/a`)).toEqual({ ok: true });
    expect(await stub.startChild(child(sup, "a"))).toEqual({
      error: "already_present",
      child: `${sup}/a`,
    });
  });

  it("keeps nothing when the child's start fails", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a"]);
    await counterStub(`${sup}/b`).failNextStarts(1);
    expect(await stub.startChild(child(sup, "b"))).toMatchObject({
      error: "start_failed",
      child: `${sup}/b`,
      detail: expect.stringContaining("start failed"),
    });
    expect(await stub.getChildSpec(`${sup}/b`)).toMatchObject({ error: "not_found" });
    expect(await stub.countChildren()).toMatchObject({ specs: 1 });
    // Nor does the object run on its own: its next message is refused, not served unsupervised.
    expect(await isStopped(sup, "b")).toBe(true);
    expect(await stub.startChild(child(sup, "b"))).toMatchObject({ ok: true, started: true });
    expect(await isStopped(sup, "b")).toBe(false);
  });

  it("refuses a bad spec naming the child and the field, and writes nothing", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a"]);
    const bad = { ...child(sup, "b"), restart: "perm" } as unknown as Parameters<
      typeof stub.startChild
    >[0];
    expect(await stub.startChild(bad)).toMatchObject({
      error: "invalid_child_spec",
      child: `${sup}/b`,
      field: "restart",
      detail: 'restart must be one of permanent, transient, temporary, got "perm"',
    });
    const noAddress = { id: "x" } as unknown as Parameters<typeof stub.startChild>[0];
    expect(await stub.startChild(noAddress)).toMatchObject({
      error: "invalid_child_spec",
      child: "x",
      field: "address",
    });
    expect(await stub.countChildren()).toMatchObject({ specs: 1 });
  });

  it("keeps a static child whose start answers ignore, not running, and drops a temporary one", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a"]);
    await counterStub(`${sup}/b`).ignoreNextStarts(1);
    expect(await stub.startChild(child(sup, "b"))).toEqual({
      ok: true,
      id: `${sup}/b`,
      started: false,
    });
    await counterStub(`${sup}/t`).ignoreNextStarts(1);
    expect(await stub.startChild(child(sup, "t", { restart: "temporary" }))).toMatchObject({
      started: false,
    });
    const page = await stub.whichChildren();
    expect("error" in page ? [] : page.children.map((c) => [c.id, c.status])).toEqual([
      [`${sup}/a`, "running"],
      [`${sup}/b`, "undefined"],
    ]);
    expect(await isStopped(sup, "b")).toBe(true);
    expect(await stub.restartChild(`${sup}/b`)).toEqual({ ok: true, started: true });
  });
});

describe("start numbers (generations)", { timeout: 20_000 }, () => {
  /** The generation supervisor `sup` last started child `id` with. */
  const generationOf = (sup: string, id: string) =>
    runInDurableObject(supervisor(sup), (_instance, state) =>
      state.storage.sql
        .exec<{ generation: number }>("SELECT generation FROM sup_child WHERE id = ?", id)
        .one(),
    ).then((row) => row.generation);

  it("never reuses one: a stop meant for a deleted child's start cannot stop the child added again", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a"]);
    const id = `${sup}/a`;
    const first = await generationOf(sup, id);
    expect(await stub.terminateChild(id)).toEqual({ ok: true });
    expect(await stub.deleteChild(id)).toEqual({ ok: true });
    expect(await stub.startChild(child(sup, "a"))).toMatchObject({ ok: true, started: true });
    expect(await generationOf(sup, id)).toBeGreaterThan(first);
    // A stop of the first start, arriving late (a stop the supervisor gave up waiting for).
    const late = { reason: "shutdown", generation: first, shutdown: 100 };
    expect(await counterStub(id).shutdown(late)).toBe("stale");
    expect(await isStopped(sup, "a")).toBe(false);
  });
});

describe("terminateChild, deleteChild, restartChild", { timeout: 20_000 }, () => {
  it("terminates a child with reason shutdown and keeps its spec; restartChild starts it again", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a", "b"]);
    const entries = await journaled(sup, () => stub.terminateChild(`${sup}/a`));
    expect(entries).toEqual(["stop:a:shutdown", "stopped:a"]);
    expect(await isStopped(sup, "a")).toBe(true);
    expect(await stub.countChildren()).toMatchObject({ specs: 2, active: 1 });
    expect(await stub.restartChild(`${sup}/a`)).toEqual({ ok: true, started: true });
    expect(await isStopped(sup, "a")).toBe(false);
  });

  it("removes a temporary child's spec when it is terminated", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, [child(sup, "t", { restart: "temporary" })]);
    expect(await stub.terminateChild(`${sup}/t`)).toEqual({ ok: true });
    expect(await stub.restartChild(`${sup}/t`)).toEqual({ error: "not_found", child: `${sup}/t` });
  });

  it("answers each error reason of terminateChild, deleteChild and restartChild", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, ROOMY, ["a"]);
    const id = `${sup}/a`;
    expect(await stub.terminateChild("nope")).toEqual({ error: "not_found", child: "nope" });
    expect(await stub.deleteChild("nope")).toEqual({ error: "not_found", child: "nope" });
    expect(await stub.restartChild("nope")).toEqual({ error: "not_found", child: "nope" });
    expect(await stub.deleteChild(id)).toEqual({ error: "running", child: id });
    expect(await stub.restartChild(id)).toEqual({ error: "running", child: id });
    await stub.terminateChild(id);
    await counterStub(id).failNextStarts(1);
    expect(await stub.restartChild(id)).toMatchObject({ error: "start_failed", child: id });
    expect(await stub.getChildSpec(id)).toMatchObject({ ok: true });
    expect(await stub.deleteChild(id)).toEqual({ ok: true });
    expect(await stub.getChildSpec(id)).toEqual({ error: "not_found", child: id });
    expect(await stub.countChildren()).toEqual({
      ok: true,
      specs: 0,
      active: 0,
      supervisors: 0,
      workers: 0,
    });
  });
});

describe("whichChildren, countChildren, checkChildSpecs", { timeout: 20_000 }, () => {
  it("lists children in start order, page by page", async () => {
    const sup = unique("d");
    const names = ["a", "b", "c", "d", "e"];
    const stub = await supervise(sup, ROOMY, names);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await stub.whichChildren({ after, limit: 2 });
      if ("error" in page) throw new Error(page.error);
      seen.push(...page.children.map((c) => c.id));
      expect(page.children.every((c) => c.kind === "actor" && c.status === "running")).toBe(true);
      after = page.next;
      if (after === null) break;
    }
    expect(seen).toEqual(names.map((n) => `${sup}/${n}`));
  });

  it("checks specs without changing anything: bad fields, duplicate ids, significant combinations", async () => {
    const stub = supervisor(unique("d"));
    const ok = [child("x", "a"), child("x", "b", { shutdown: "brutal_kill" })];
    expect(await stub.checkChildSpecs(ok)).toEqual({ ok: true });
    expect(await stub.checkChildSpecs([child("x", "a"), child("x", "a")])).toMatchObject({
      error: "duplicate_child_id",
      child: "x/a",
    });
    const bad = (extra: object) =>
      [{ ...child("x", "a"), ...extra }] as Parameters<typeof stub.checkChildSpecs>[0];
    expect(await stub.checkChildSpecs(bad({ shutdown: -1 }))).toMatchObject({
      child: "x/a",
      field: "shutdown",
    });
    expect(await stub.checkChildSpecs(bad({ kind: "worker" }))).toMatchObject({ field: "kind" });
    expect(
      await stub.checkChildSpecs(bad({ significant: true, restart: "transient" }), "never"),
    ).toMatchObject({
      field: "significant",
      detail: expect.stringContaining("autoShutdown"),
    });
    expect(await stub.checkChildSpecs(bad({ significant: true }), "any_significant")).toMatchObject(
      {
        field: "significant",
        detail: expect.stringContaining("permanent"),
      },
    );
    expect(
      await stub.checkChildSpecs(
        bad({ significant: true, restart: "temporary" }),
        "all_significant",
      ),
    ).toEqual({ ok: true });
  });
});

describe("simple_one_for_one", { timeout: 20_000 }, () => {
  const template = { id: "counter", address: { binding: "EXAMPLE_COUNTER", name: "" } };

  it("starts instances of its one template by name and counts one spec", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, { strategy: "simple_one_for_one", ...ROOMY }, [template]);
    for (const n of ["a", "b", "c"]) {
      expect(await stub.startChild({ name: `${sup}/${n}` })).toEqual({
        ok: true,
        id: `${sup}/${n}`,
        started: true,
      });
    }
    expect(await stub.startChild({ name: `${sup}/a` })).toEqual({
      error: "already_started",
      child: `${sup}/a`,
    });
    expect(await stub.countChildren()).toEqual({
      ok: true,
      specs: 1,
      active: 3,
      supervisors: 0,
      workers: 3,
    });
    expect(await stub.getChildSpec(`${sup}/b`)).toMatchObject({
      ok: true,
      spec: {
        id: `${sup}/b`,
        address: { binding: "EXAMPLE_COUNTER", name: `${sup}/b` },
        restart: "permanent",
      },
    });
  });

  it("removes an instance on terminateChild and refuses deleteChild and restartChild", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, { strategy: "simple_one_for_one", ...ROOMY }, [template], {
      dynamicChildren: [{ name: `${sup}/a` }, { name: `${sup}/b` }],
    });
    const id = `${sup}/a`;
    expect(await stub.deleteChild(id)).toEqual({ error: "simple_one_for_one", child: id });
    expect(await stub.restartChild(id)).toEqual({ error: "simple_one_for_one", child: id });
    expect(await stub.terminateChild(id)).toEqual({ ok: true });
    expect(await stub.terminateChild(id)).toEqual({ error: "not_found", child: id });
    expect(await isStopped(sup, "a")).toBe(true);
    expect(await stub.countChildren()).toMatchObject({ specs: 1, active: 1, workers: 1 });
  });

  it("drops an instance whose start answers ignore, and takes only { name }", async () => {
    const sup = unique("d");
    const stub = await supervise(sup, { strategy: "simple_one_for_one", ...ROOMY }, [template]);
    await counterStub(`${sup}/a`).ignoreNextStarts(1);
    expect(await stub.startChild({ name: `${sup}/a` })).toEqual({
      ok: true,
      id: `${sup}/a`,
      started: false,
    });
    expect(await stub.countChildren()).toMatchObject({ active: 0, workers: 0 });
    expect(await stub.startChild(child(sup, "b"))).toMatchObject({ error: "invalid_args" });
  });

  it("refuses a spec list that is not exactly one template", async () => {
    const stub = supervisor(unique("d"));
    const result = await stub.configure({
      flags: { strategy: "simple_one_for_one" },
      children: [],
    });
    expect(result).toMatchObject({ error: "invalid_supervisor_spec", field: "children" });
  });
});
