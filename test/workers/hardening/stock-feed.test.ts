import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { SkuView } from "../../../durable-objects";
import { type FeedSocket, StockFeed } from "../../../durable-objects/inventory/stock-feed";
import { app } from "../../../workers/app";
import { atShard, eventually, http, uniqueSku } from "../client";

/** A listener that records what it was sent. */
const recorder = () => {
  const sent: string[] = [];
  return { sent, send: (m: string) => void sent.push(m) } satisfies FeedSocket & {
    sent: string[];
  };
};

/** A feed over `sockets` whose tick runs only when the test says so (a controllable clock). */
function manualFeed(sockets: FeedSocket[], view: () => SkuView) {
  const ticks: (() => void)[] = [];
  const feed = new StockFeed({
    sockets: () => sockets,
    view,
    later: (fn) => void ticks.push(fn),
  });
  return {
    feed,
    tick: () => {
      for (const fn of ticks.splice(0)) fn();
    },
    pending: () => ticks.length,
  };
}

describe("Stock feed: publishing is coalesced and off the write path", () => {
  it("sends nothing while the write answers, then the newest state once per socket per tick", () => {
    const sockets = [recorder(), recorder(), recorder()];
    let version = 0;
    const view = (): SkuView => ({
      sku: "s",
      stock: 10,
      available: 10 - version,
      held: version,
      sold: 0,
      version,
    });
    const { feed, tick, pending } = manualFeed(sockets, view);
    for (let i = 0; i < 10; i++) {
      version += 1;
      feed.changed(["s"], 50);
    }
    // Ten commits: nothing sent yet, and one publish scheduled, not ten.
    expect(sockets.every((s) => s.sent.length === 0)).toBe(true);
    expect(pending()).toBe(1);
    tick();
    for (const socket of sockets) {
      expect(socket.sent.map((m) => JSON.parse(m).version)).toEqual([10]);
    }
  });

  it("spaces publishes by the sockets they reached, so many listeners cannot take the shard's time", () => {
    const sockets = Array.from({ length: 1000 }, recorder);
    const delays: number[] = [];
    const view = (): SkuView => ({
      sku: "s",
      stock: 1,
      available: 1,
      held: 0,
      sold: 0,
      version: 1,
    });
    const feed = new StockFeed({
      sockets: () => sockets,
      view,
      later: (_fn, ms) => void delays.push(ms),
    });
    feed.changed(["s"], 50, 0);
    feed.flush(1000); // the tick: published to 1,000 sockets at t = 1000 ms
    expect(sockets.every((socket) => socket.sent.length === 1)).toBe(true);
    feed.changed(["s"], 50, 1000);
    expect(delays).toEqual([50, 250]);
  });

  it("lets a pending publish greet a new listener, so it never gets one state twice", () => {
    const early = recorder();
    const late = recorder();
    const sockets: FeedSocket[] = [early];
    const view = (): SkuView => ({
      sku: "s",
      stock: 1,
      available: 1,
      held: 0,
      sold: 0,
      version: 7,
    });
    const { feed, tick } = manualFeed(sockets, view);
    feed.changed(["s"], 50);
    sockets.push(late);
    feed.welcome("s", late, view());
    tick();
    expect(late.sent).toHaveLength(1);
    expect(early.sent).toHaveLength(1);
  });
});

const open: WebSocket[] = [];
afterEach(() => {
  for (const ws of open.splice(0)) ws.close(1000, "test over");
});

/** Small limits for these tests, handed to the edge as its configuration. */
const limitedEnv = { ...env, EVENTS_MAX_PER_SKU: "3", EVENTS_MAX_PER_CLIENT: "2" };

async function listen(sku: string, client: string) {
  const request = new Request(`http://edge.test/v1/skus/${sku}/events`, {
    headers: { Upgrade: "websocket", "CF-Connecting-IP": client },
  });
  const response = await app.fetch(request, limitedEnv, createExecutionContext());
  if (response.webSocket) {
    response.webSocket.accept();
    open.push(response.webSocket);
  }
  return response;
}

describe("Stock feed: listeners are bounded", () => {
  it("refuses a client's listener past its limit with 429 listener-limit problem+json, before any upgrade", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 5);
    expect((await listen(sku, "192.0.2.10")).status).toBe(101);
    expect((await listen(sku, "192.0.2.10")).status).toBe(101);
    const refused = await listen(sku, "192.0.2.10");
    expect(refused.status).toBe(429);
    expect(refused.webSocket).toBeNull();
    expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: "listener-limit", status: 429 });
  });

  it("refuses a listener of a full sku with 503 listeners-full problem+json", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 5);
    expect((await listen(sku, "192.0.2.20")).status).toBe(101);
    expect((await listen(sku, "192.0.2.21")).status).toBe(101);
    expect((await listen(sku, "192.0.2.22")).status).toBe(101);
    const refused = await listen(sku, "192.0.2.23");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ code: "listeners-full", status: 503 });
  });

  it("delivers the newest state after a burst of writes, however many messages it coalesced", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 100);
    const response = await listen(sku, "192.0.2.30");
    const messages: SkuView[] = [];
    response.webSocket?.addEventListener("message", (e) => {
      messages.push(JSON.parse(String(e.data)) as SkuView);
    });
    await Promise.all(Array.from({ length: 10 }, () => atShard.placeHold(sku, 1)));
    const final = await http("GET", `/v1/skus/${sku}`);
    const last = await eventually(
      async () => messages.at(-1),
      (m) => m?.version === final.json.version,
    );
    expect(last).toMatchObject({ held: 10, available: 90 });
    expect(messages.length).toBeLessThanOrEqual(11);
  });
});
