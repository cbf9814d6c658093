import {
  abortAllDurableObjects,
  createExecutionContext,
  runInDurableObject,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { SkuView } from "../../durable-objects";
import { loadLimits } from "../../durable-objects/limits/config";
import { stockFeedRelay } from "../../durable-objects/stock-feed";
import { app } from "../../workers/app";
import { atShard, eventually, expectProblem, http, inventoryShard, uniqueSku } from "./client";
import { edgeWith, unreachableNamespace } from "./hardening/fault-points";

/** The relay object of `sku`'s listeners. */
const relay = (sku: string) => stockFeedRelay(env.STOCK_FEED, sku);

const open: WebSocket[] = [];
afterEach(() => {
  for (const ws of open.splice(0)) {
    try {
      ws.close(1000, "test over");
    } catch {
      // Already closed by an eviction in the test.
    }
  }
});

/** A listener through the edge, with every stock message it received so far. */
async function listen(sku: string, client = "192.0.2.50") {
  const response = await exports.default.fetch(`http://edge.test/v1/skus/${sku}/events`, {
    headers: { Upgrade: "websocket", "CF-Connecting-IP": client },
  });
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw new Error(`no upgrade: ${response.status}`);
  const messages: SkuView[] = [];
  ws.addEventListener("message", (event) => {
    messages.push(JSON.parse(String(event.data)));
  });
  ws.accept();
  open.push(ws);
  return { ws, messages };
}

/** Waits until `messages` holds `version` (fails after the budget) and answers them. */
const until = (messages: SkuView[], version: number) =>
  eventually(
    async () => messages.map((m) => m.version),
    (versions) => versions.includes(version),
  );

const view = (sku: string, version: number): SkuView => ({
  sku,
  stock: 1000,
  available: 1000 - version,
  held: version,
  sold: 0,
  version,
});

describe("Stock feed relay: the shard publishes, the relay fans out", () => {
  it("keeps the sockets off the inventory shard: the sku's relay holds them", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 5);
    await listen(sku);
    await listen(sku, "192.0.2.51");
    const onRelay = await runInDurableObject(relay(sku), (_o, state) => state.getWebSockets());
    const onShard = await runInDurableObject(inventoryShard(sku), (_o, state) =>
      state.getWebSockets(),
    );
    expect(onRelay).toHaveLength(2);
    expect(onShard).toHaveLength(0);
  });

  it("coalesces a burst of commits: versions only rise, and the last is the newest", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1000);
    const { messages } = await listen(sku);
    for (let i = 0; i < 30; i++) await atShard.placeHold(sku, 1);
    const final = await atShard.getSku(sku);
    if (typeof final === "string") throw new Error(final);
    await until(messages, final.version);
    const versions = messages.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.length).toBeLessThan(31); // thirty commits, fewer messages
    expect(messages.at(-1)).toMatchObject({ held: 30, available: 970 });
  });

  it("drops a publish older than the newest it has, and sends the newer one", async () => {
    const sku = uniqueSku();
    const seeded = await atShard.putSku(sku, 1000);
    const { messages } = await listen(sku);
    await until(messages, seeded.version);
    expect((await relay(sku).publish(view(sku, seeded.version + 5))).taken).toBe(true);
    await until(messages, seeded.version + 5);
    expect((await relay(sku).publish(view(sku, seeded.version + 2))).taken).toBe(false);
    expect((await relay(sku).publish(view(sku, seeded.version + 6))).taken).toBe(true);
    await until(messages, seeded.version + 6);
    expect(messages.map((m) => m.version)).toEqual([
      seeded.version,
      seeded.version + 5,
      seeded.version + 6,
    ]);
  });

  it("remembers the newest version across eviction, and the next publish still reaches listeners", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1000);
    await listen(sku);
    const held = await atShard.placeHold(sku, 1);
    const after = await atShard.getSku(sku);
    if (typeof after === "string") throw new Error(after);
    await eventually(
      () => relay(sku).latestVersion(),
      (v) => v === after.version,
    );
    expect(held.status).toBe("active");
    await abortAllDurableObjects();
    // A fresh relay instance: a stale publish still loses to the stored newest version.
    expect(await relay(sku).latestVersion()).toBe(after.version);
    expect((await relay(sku).publish(view(sku, after.version - 1))).taken).toBe(false);
    expect(await relay(sku).latestVersion()).toBe(after.version);
    // A listener of the restarted relay gets the next change the shard publishes.
    const { messages } = await listen(sku, "192.0.2.52");
    await until(messages, after.version);
    await atShard.placeHold(sku, 2);
    await until(messages, after.version + 1);
    expect(messages.at(-1)).toMatchObject({ held: 3 });
  });
});

describe("Stock feed relay: an unwatched sku", () => {
  it("is published once, then not again until a listener comes, who gets every change", async () => {
    const sku = uniqueSku();
    const seeded = await atShard.putSku(sku, 1000);
    await eventually(
      () => relay(sku).latestVersion(),
      (v) => v === seeded.version,
    );
    for (let i = 0; i < 3; i++) await atShard.placeHold(sku, 1);
    await new Promise((resolve) => setTimeout(resolve, 4 * loadLimits(env).feed.tickMs));
    expect(await relay(sku).latestVersion()).toBe(seeded.version); // nobody listened: not sent
    const { messages } = await listen(sku);
    await until(messages, seeded.version + 3);
    await atShard.placeHold(sku, 1);
    await until(messages, seeded.version + 4);
    expect(messages.at(-1)).toMatchObject({ held: 4 });
  });
});

describe("Stock feed relay: writes never wait for it", () => {
  it("answers holds while the sku's relay cannot take a publish, then delivers the newest", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1000);
    const { messages } = await listen(sku);
    let release = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Closes the relay's input gate (from a timer, once runInDurableObject has its answer):
    // every publish to it waits until the test releases it.
    await runInDurableObject(relay(sku), (_o, state) => {
      setTimeout(() => void state.blockConcurrencyWhile(() => blocked), 0);
    });
    let answered = 0;
    for (let i = 0; i < 5; i++) {
      const r = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });
      expect(r.status).toBe(201);
      answered += 1;
      // Let the coalescing tick pass, so the shard's publish is parked at the blocked relay.
      await new Promise((resolve) => setTimeout(resolve, 2 * loadLimits(env).feed.tickMs));
    }
    expect(answered).toBe(5);
    expect(messages.every((m) => m.held === 0)).toBe(true); // nothing got through meanwhile
    release();
    const final = await atShard.getSku(sku);
    if (typeof final === "string") throw new Error(final);
    await until(messages, final.version);
    expect(messages.at(-1)).toMatchObject({ held: 5, available: 995 });
  });
});

describe("Stock feed relay: limits", () => {
  it("counts a client's listeners per sku: a full sku does not refuse it on another sku", async () => {
    const limited = { ...env, EVENTS_MAX_PER_CLIENT: "1" };
    const [a, b] = [uniqueSku(), uniqueSku()];
    await atShard.putSku(a, 1);
    await atShard.putSku(b, 1);
    const connect = (sku: string) =>
      app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}/events`, {
          headers: { Upgrade: "websocket", "CF-Connecting-IP": "192.0.2.60" },
        }),
        limited,
        createExecutionContext(),
      );
    const first = await connect(a);
    first.webSocket?.accept();
    if (first.webSocket) open.push(first.webSocket);
    expect(first.status).toBe(101);
    expect((await connect(a)).status).toBe(429);
    const other = await connect(b);
    other.webSocket?.accept();
    if (other.webSocket) open.push(other.webSocket);
    expect(other.status).toBe(101);
  });

  it("answers 503 service-unavailable with Retry-After, not a 500, when the relay cannot be reached", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1);
    const refused = await edgeWith(
      { STOCK_FEED: unreachableNamespace(env.STOCK_FEED) },
      "GET",
      `/v1/skus/${sku}/events`,
      { headers: { Upgrade: "websocket" } },
    );
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: "service-unavailable" });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });

  it("answers 404 for an unknown sku without creating a listener on its relay", async () => {
    const sku = uniqueSku("missing");
    const r = await http("GET", `/v1/skus/${sku}/events`, { headers: { Upgrade: "websocket" } });
    expectProblem(r, 404, "not-found");
    expect(await relay(sku).latestVersion()).toBeNull();
    const sockets = await runInDurableObject(relay(sku), (_o, state) => state.getWebSockets());
    expect(sockets).toHaveLength(0);
  });
});
