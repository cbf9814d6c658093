import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { SkuView } from "../../../durable-objects";
import { type FeedRelay, RETRY_MS, StockFeed } from "../../../durable-objects/inventory/stock-feed";
import {
  CHUNK,
  FanOut,
  type FeedSocket,
  SPACING_PER_SOCKET_MS,
} from "../../../durable-objects/stock-feed";
import { app } from "../../../workers/app";
import { atShard, eventually, http, uniqueSku } from "../client";

/** A listener that records what it was sent. */
const recorder = () => {
  const sent: string[] = [];
  return { sent, send: (m: string) => void sent.push(m) } satisfies FeedSocket & {
    sent: string[];
  };
};

const versions = (socket: { sent: string[] }) =>
  socket.sent.map((m) => (JSON.parse(m) as SkuView).version);

const viewAt = (version: number, sku = "s"): SkuView => ({
  sku,
  stock: 100,
  available: 100 - version,
  held: version,
  sold: 0,
  version,
});

/** Deferred work that runs only when the test says so (a controllable clock). */
function manualTimers() {
  const tasks: { fn: () => void; ms: number }[] = [];
  return {
    later: (fn: () => void, ms: number) => void tasks.push({ fn, ms }),
    delays: () => tasks.map((t) => t.ms),
    /** Runs the tasks queued so far (not the ones they queue); answers how many ran. */
    step: () => {
      const due = tasks.splice(0);
      for (const t of due) t.fn();
      return due.length;
    },
    pending: () => tasks.length,
  };
}

/** A relay stand-in whose publishes the test answers (or fails) by hand. */
function manualRelay() {
  const calls: {
    view: SkuView;
    settle: (answer?: { silent: boolean }) => void;
    fail: (e: Error) => void;
  }[] = [];
  const relay: FeedRelay = {
    publish: (view) =>
      new Promise((answer, fail) => {
        calls.push({ view, settle: (a = { silent: false }) => answer(a), fail });
      }),
  };
  return { relay, calls };
}

/** The shard's feed over a manual clock and relay; `version` is the sku's current version. */
function shardFeed() {
  const timers = manualTimers();
  const { relay, calls } = manualRelay();
  const state = { version: 0 };
  const kept: Promise<unknown>[] = [];
  const feed = new StockFeed({
    view: (sku) => viewAt(state.version, sku),
    relay: () => relay,
    later: timers.later,
    keep: (p) => void kept.push(p),
  });
  return { feed, timers, calls, state, kept };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Stock feed (shard side): one small publish per tick, never on the command's path", () => {
  it("stops publishing a sku its relay called silent, until the relay wakes it", async () => {
    const { feed, timers, calls, state } = shardFeed();
    state.version = 1;
    feed.changed(["s"], 50);
    timers.step();
    await settled();
    calls[0]?.settle({ silent: true });
    await settled();
    for (let i = 0; i < 3; i++) {
      state.version += 1;
      feed.changed(["s"], 50);
      timers.step();
    }
    await settled();
    expect(calls).toHaveLength(1); // three commits, nobody listening: nothing sent
    feed.wake("s", 50);
    timers.step();
    await settled();
    expect(calls.map((c) => c.view.version)).toEqual([1, 4]);
  });

  it("ignores a silent answer that crossed a wake, so the first listener is not starved", async () => {
    const { feed, timers, calls, state } = shardFeed();
    state.version = 1;
    feed.changed(["s"], 50);
    timers.step();
    await settled();
    feed.wake("s", 50); // a listener arrived after the relay answered, before we heard it
    calls[0]?.settle({ silent: true });
    await settled();
    timers.step(); // the wake's publish
    await settled();
    calls[1]?.settle();
    state.version = 2;
    feed.changed(["s"], 50);
    await settled();
    timers.step();
    await settled();
    expect(calls.map((c) => c.view.version)).toEqual([1, 1, 2]);
  });

  it("publishes nothing while commits happen, then the newest view once per tick", () => {
    const { feed, timers, calls, state } = shardFeed();
    for (let i = 0; i < 10; i++) {
      state.version += 1;
      feed.changed(["s"], 50);
    }
    expect(calls).toHaveLength(0);
    expect(timers.delays()).toEqual([50]); // ten commits, one tick
    timers.step();
    return settled().then(() => {
      expect(calls.map((c) => c.view.version)).toEqual([10]);
    });
  });

  it("keeps one publish in flight per sku and coalesces what changed meanwhile into the next", async () => {
    const { feed, timers, calls, state } = shardFeed();
    state.version = 1;
    feed.changed(["s"], 50);
    timers.step();
    await settled();
    for (let i = 0; i < 5; i++) {
      state.version += 1;
      feed.changed(["s"], 50);
      timers.step();
    }
    await settled();
    expect(calls.map((c) => c.view.version)).toEqual([1]); // the relay has not answered yet
    calls[0]?.settle();
    await settled();
    timers.step();
    await settled();
    expect(calls.map((c) => c.view.version)).toEqual([1, 6]);
  });

  it("logs a failing relay, lets the commit path go on, and publishes the newest view again later", async () => {
    const { feed, timers, calls, state, kept } = shardFeed();
    state.version = 3;
    feed.changed(["s"], 50);
    timers.step();
    await settled();
    calls[0]?.fail(new Error("relay reset (test)"));
    await Promise.all(kept); // the kept promise never rejects: nothing unhandled
    expect(timers.delays()).toEqual([RETRY_MS]);
    state.version = 4;
    feed.changed(["s"], 50); // a commit after the failure still only marks its sku
    timers.step();
    await settled();
    expect(calls.map((c) => c.view.version)).toEqual([3, 4]);
  });
});

/** A fan-out over `sockets` with a manual clock and an in-memory store. */
function fanOut(sockets: FeedSocket[], stored?: SkuView) {
  const timers = manualTimers();
  let store = stored;
  let now = 0;
  const out = new FanOut({
    sockets: () => [...sockets], // a fresh list each time, as getWebSockets() answers
    later: timers.later,
    now: () => now,
    load: () => store,
    save: (view) => {
      store = view;
    },
  });
  return {
    out,
    timers,
    stored: () => store,
    advance: (ms: number) => {
      now += ms;
    },
    /** Runs deferred work until none is left. */
    drain: () => {
      while (timers.step() > 0);
    },
  };
}

describe("Stock feed (relay side): newest wins, in short chunks", () => {
  it("drops a view no newer than the newest, also one stored before an eviction", () => {
    const socket = recorder();
    const { out, drain } = fanOut([socket], viewAt(7));
    expect(out.offer(viewAt(5))).toBe(false);
    expect(out.offer(viewAt(7))).toBe(false);
    expect(out.offer(viewAt(8))).toBe(true);
    drain();
    expect(versions(socket)).toEqual([8]);
  });

  it("sends a pass in chunks of CHUNK sockets, one task each, so no task serves them all", () => {
    const sockets = Array.from({ length: 3 * CHUNK + 1 }, recorder);
    const { out, timers } = fanOut(sockets);
    out.offer(viewAt(1));
    const perTask: number[] = [];
    let before = 0;
    while (timers.step() > 0) {
      const sent = sockets.filter((s) => s.sent.length > 0).length;
      perTask.push(sent - before);
      before = sent;
    }
    expect(perTask).toEqual([CHUNK, CHUNK, CHUNK, 1]);
  });

  it("gives a view that arrives mid-pass to everyone next, never an older one after it", () => {
    const sockets = Array.from({ length: 2 * CHUNK }, recorder);
    const { out, timers, drain, advance } = fanOut(sockets);
    out.offer(viewAt(1));
    timers.step(); // first chunk of version 1
    out.offer(viewAt(2));
    out.offer(viewAt(3)); // 2 is never sent: 3 superseded it before its pass
    advance(1000); // past the spacing
    drain();
    for (const socket of sockets) {
      const got = versions(socket);
      expect(got.at(-1)).toBe(3);
      expect(got).toEqual([...got].sort((a, b) => a - b));
      expect(got).not.toContain(2);
    }
  });

  it("spaces passes by the sockets they reached", () => {
    const sockets = Array.from({ length: 1000 }, recorder);
    const { out, timers, drain } = fanOut(sockets);
    out.offer(viewAt(1));
    drain();
    out.offer(viewAt(2));
    expect(timers.delays()).toEqual([1000 * SPACING_PER_SOCKET_MS]);
  });

  it("greets a listener with the newer of its connect view and the newest published, once", () => {
    const early = recorder();
    const late = recorder();
    const sockets: FeedSocket[] = [early];
    const { out, drain } = fanOut(sockets);
    out.offer(viewAt(7));
    sockets.push(late);
    out.welcome(late, viewAt(6)); // read from the shard just before version 7 was published
    drain();
    expect(versions(late)).toEqual([7]);
    expect(versions(early)).toEqual([7]);
  });

  it("shares a connect view newer than the relay's with every listener, and greets the new one once", () => {
    const early = recorder();
    const late = recorder();
    const sockets: FeedSocket[] = [early];
    const { out, drain, stored } = fanOut(sockets, viewAt(4));
    sockets.push(late);
    out.welcome(late, viewAt(5)); // the shard committed 5; its publish is still on the way
    drain();
    expect(out.offer(viewAt(5))).toBe(false); // that publish, arriving now, is stale
    expect(stored()?.version).toBe(5);
    expect(versions(early)).toEqual([5]);
    expect(versions(late)).toEqual([5]);
  });

  it("leaves a listener that joins during a pass of an older state to the next pass", () => {
    const sockets: FeedSocket[] = Array.from({ length: CHUNK + 1 }, recorder);
    const { out, timers, drain, advance } = fanOut(sockets);
    out.offer(viewAt(1));
    timers.step(); // the pass of version 1 sent its first chunk
    out.offer(viewAt(2));
    const late = recorder();
    sockets.push(late);
    out.welcome(late, viewAt(2));
    advance(1000);
    drain();
    expect(versions(late)).toEqual([2]);
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
