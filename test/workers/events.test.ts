import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { type HoldView, ShardRouter, type SkuView } from "../../durable-objects";
import {
  eventually,
  expectProblem,
  getSku,
  http,
  inventoryShard,
  putSku,
  uniqueSku,
} from "./client";

type StockMessage = SkuView & { readonly type: string };

/** A connected listener: every message it received so far, parsed, and a way to await more. */
interface Listener {
  readonly response: Response;
  readonly messages: StockMessage[];
  /** Waits until `count` messages arrived (fails the test after 3 s) and answers them all. */
  received(count: number): Promise<StockMessage[]>;
}

const open: WebSocket[] = [];

/**
 * Closes every socket a test opened and waits for the server's close frame, so no socket
 * outlives its test (an abandoned one makes workerd log "WebSocket peer disconnected").
 */
afterEach(async () => {
  await Promise.all(
    open.splice(0).map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.addEventListener("close", () => resolve());
          ws.close(1000, "test over");
        }),
    ),
  );
});

/** Opens `/v1/skus/{sku}/events` through the edge, as a browser would. */
async function listen(sku: string): Promise<Listener> {
  const response = await exports.default.fetch(`http://edge.test/v1/skus/${sku}/events`, {
    headers: { Upgrade: "websocket" },
  });
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw new Error(`no upgrade: ${response.status}`);
  const messages: StockMessage[] = [];
  ws.addEventListener("message", (event) => {
    messages.push(JSON.parse(String(event.data)) as StockMessage);
  });
  ws.accept();
  open.push(ws);
  return {
    response,
    messages,
    async received(count) {
      await eventually(
        async () => messages.length,
        (n) => n >= count,
        3000,
      );
      expect(messages.length).toBeGreaterThanOrEqual(count);
      return [...messages];
    },
  };
}

const placeHold = (sku: string, body: object) => http("POST", `/v1/skus/${sku}/holds`, { body });
const holdOf = (r: Awaited<ReturnType<typeof http>>) => r.json as unknown as HoldView;

describe("GET /v1/skus/:sku/events", () => {
  it("upgrades to a WebSocket with 101 and an X-Request-Id", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const listener = await listen(sku);
    expect(listener.response.status).toBe(101);
    expect(listener.response.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("sends the current SkuView as a stock message on connect", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const view = await getSku(sku);
    const listener = await listen(sku);
    const [first] = await listener.received(1);
    expect(first).toEqual({ type: "stock", ...view });
  });

  it("sends a stock message with the new available and a higher version after a hold", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const listener = await listen(sku);
    const [first] = await listener.received(1);
    expect((await placeHold(sku, { quantity: 2 })).status).toBe(201);
    const [, second] = await listener.received(2);
    expect(second).toMatchObject({ type: "stock", sku, available: 3, held: 2, sold: 0 });
    expect(second?.version).toBeGreaterThan(first?.version ?? Number.POSITIVE_INFINITY);
  });

  it("sends another stock message after a confirm", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const listener = await listen(sku);
    await listener.received(1);
    const hold = holdOf(await placeHold(sku, { quantity: 2 }));
    const [, held] = await listener.received(2);
    expect((await http("POST", `/v1/skus/${sku}/holds/${hold.holdId}/confirm`)).status).toBe(200);
    const [, , confirmed] = await listener.received(3);
    expect(confirmed).toMatchObject({ type: "stock", available: 3, held: 0, sold: 2 });
    expect(confirmed?.version).toBeGreaterThan(held?.version ?? Number.POSITIVE_INFINITY);
    expect(confirmed).toEqual({ type: "stock", ...(await getSku(sku)) });
  });

  it("sends a stock message after a release and after a stock change", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const listener = await listen(sku);
    await listener.received(1);
    const hold = holdOf(await placeHold(sku, { quantity: 2 }));
    await listener.received(2);
    expect((await http("DELETE", `/v1/skus/${sku}/holds/${hold.holdId}`)).status).toBe(200);
    const [, , released] = await listener.received(3);
    expect(released).toMatchObject({ available: 5, held: 0 });
    await putSku(sku, 9);
    const [, , , restocked] = await listener.received(4);
    expect(restocked).toMatchObject({ stock: 9, available: 9 });
  });

  it("sends a stock message when an unconfirmed hold expires through its shard's alarm", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const listener = await listen(sku);
    await listener.received(1);
    expect((await placeHold(sku, { quantity: 2, ttlSeconds: 1 })).status).toBe(201);
    await listener.received(2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runDurableObjectAlarm(inventoryShard(sku));
    const [, , expired] = await listener.received(3);
    expect(expired).toMatchObject({ type: "stock", available: 5, held: 0 });
  });

  it("sends nothing for a request that changes nothing", async () => {
    const sku = uniqueSku();
    await putSku(sku, 2);
    const listener = await listen(sku);
    await listener.received(1);
    expectProblem(await placeHold(sku, { quantity: 3 }), 409, "insufficient-stock");
    expect((await placeHold(sku, { quantity: 1 })).status).toBe(201);
    const [, next] = await listener.received(2);
    expect(next).toMatchObject({ available: 1, held: 1 });
    expect(listener.messages).toHaveLength(2);
  });

  it("sends every change to every listener of the sku", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const a = await listen(sku);
    const b = await listen(sku);
    await Promise.all([a.received(1), b.received(1)]);
    await placeHold(sku, { quantity: 1 });
    const [fromA, fromB] = await Promise.all([a.received(2), b.received(2)]);
    expect(fromA[1]).toMatchObject({ available: 4 });
    expect(fromB[1]).toEqual(fromA[1]);
  });

  it("sends a listener only its own sku's changes, even from a shard it shares", async () => {
    const router = new ShardRouter(env);
    const mine = uniqueSku();
    let other = uniqueSku();
    while (router.locate("inventory", other).index !== router.locate("inventory", mine).index) {
      other = uniqueSku();
    }
    await putSku(mine, 5);
    await putSku(other, 5);
    const listener = await listen(mine);
    await listener.received(1);
    await placeHold(other, { quantity: 1 });
    await placeHold(mine, { quantity: 2 });
    const [, next] = await listener.received(2);
    expect(next).toMatchObject({ sku: mine, available: 3 });
    expect(listener.messages.every((m) => m.sku === mine)).toBe(true);
  });

  it("answers 404 not-found for an unknown sku", async () => {
    const r = await http("GET", `/v1/skus/${uniqueSku("missing")}/events`, {
      headers: { Upgrade: "websocket" },
    });
    expectProblem(r, 404, "not-found");
  });

  it("answers 400 invalid-request for a GET without Upgrade", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    expectProblem(await http("GET", `/v1/skus/${sku}/events`), 400, "invalid-request");
  });

  it("answers 400 invalid-request for a bad sku", async () => {
    const r = await http("GET", "/v1/skus/-x/events", { headers: { Upgrade: "websocket" } });
    expectProblem(r, 400, "invalid-request");
  });
});
