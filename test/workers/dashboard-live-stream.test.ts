import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../workers/app";
import { LiveStream } from "../../workers/dashboard/live-stream";
import { ContractReader, type Dispatch } from "../../workers/dashboard/sources";
import { ADMIN, http } from "./client";

/**
 * The real edge app behind the stream, except that `missing` answers 404 as on a deployment
 * without that feature; every path asked is counted.
 */
function edge(missing: string) {
  const asked = new Map<string, number>();
  const dispatch: Dispatch = async (request) => {
    const path = new URL(request.url).pathname;
    asked.set(path, (asked.get(path) ?? 0) + 1);
    if (path === missing) {
      return Response.json({ code: "not-found", detail: "no such route" }, { status: 404 });
    }
    return app.fetch(request, env);
  };
  return {
    asked,
    reader: new ContractReader(dispatch, "http://edge.test/", { authorization: ADMIN }),
  };
}

/** A stream on a controllable clock, collecting what it sends. */
function stream(reader: ContractReader) {
  const clock = { now: 1_000_000 };
  const sent: Array<{ event: string; data: unknown }> = [];
  const sink = {
    writeSSE: async ({ event, data }: { event: string; data: string }) => {
      sent.push({ event, data: JSON.parse(data) });
    },
  };
  const live = new LiveStream(reader, sink, () => clock.now);
  const named = (event: string) => sent.filter((e) => e.event === event).map((e) => e.data);
  return { live, clock, sent, named };
}

describe("LiveStream", () => {
  it("sends each panel once while it stays the same, and a chart event on every tick", async () => {
    const { reader } = edge("/nothing");
    const { live, clock, named } = stream(reader);
    for (let i = 0; i < 3; i += 1) {
      await live.tick();
      clock.now += 1000;
    }
    expect(named("supervision")).toHaveLength(1);
    expect(named("shards")).toHaveLength(1);
    expect(named("chart")).toHaveLength(3);
    expect(named("chart")[0]).toEqual({ state: "ok", data: null });
    expect(named("chart")[2]).toMatchObject({ state: "ok", data: { at: 1_002_000 } });
  });

  it("sends the tree again as soon as it changes", async () => {
    const { reader } = edge("/nothing");
    const { live, named } = stream(reader);
    await live.tick();
    await http("PUT", "/v1/skus/live-tree", { body: { stock: 1 }, admin: true });
    await http("POST", "/v1/ops/faults", {
      body: { service: "inventory", sku: "live-tree", kind: "crash" },
      admin: true,
    });
    const crashed = await http("POST", "/v1/skus/live-tree/holds", { body: { quantity: 1 } });
    expect(crashed.status).toBe(500);
    await live.tick();
    expect(named("supervision")).toHaveLength(2);
  });

  it("marks a 404 endpoint unavailable and asks it again only after 30 s", async () => {
    const { reader, asked } = edge("/v1/ops/notifications");
    const { live, clock, named } = stream(reader);
    await live.tick();
    clock.now += 10_000;
    await live.tick();
    clock.now += 10_000;
    await live.tick();
    expect(asked.get("/v1/ops/notifications")).toBe(1);
    expect(asked.get("/v1/ops/supervision")).toBe(3);
    expect(named("notifications")).toEqual([
      { state: "unavailable", status: 404, detail: "no such route" },
    ]);
    clock.now += 10_001;
    await live.tick();
    expect(asked.get("/v1/ops/notifications")).toBe(2);
  });

  it("keeps the chart unavailable without asking while /metrics answers 404", async () => {
    const { reader, asked } = edge("/metrics");
    const { live, clock, named } = stream(reader);
    await live.tick();
    clock.now += 1000;
    await live.tick();
    expect(asked.get("/metrics")).toBe(1);
    expect(named("chart")).toEqual([
      { state: "unavailable", status: 404, detail: "no such route" },
      { state: "unavailable", status: 404, detail: "no such route" },
    ]);
  });
});
