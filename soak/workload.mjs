/**
 * The mixed workload: concurrent loops of holds, confirms, releases, multi-sku orders (sync
 * and `Prefer: respond-async`), idempotent replays and reads, plus WebSocket listeners
 * whose every stock message is checked. Everything answered goes into the ledger.
 */
import WebSocket from "ws";
import { orderIdOf } from "./client.mjs";

const pick = (rng, list) => list[Math.floor(rng() * list.length)];
/** A refusal's problem code, or a rejected order's reason (`insufficient-stock`…). */
const codeOf = (r) =>
  r.status >= 400 && r.json && typeof r.json === "object" ? (r.json.code ?? r.json.reason) : null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Hold ttls stay short so that, at the end, every client hold has settled or expired. */
export const MAX_TTL_SECONDS = 20;

export function workload({ call, ledger, skus, rng, runtime }) {
  let stopped = false;
  let keys = 0;
  const key = (prefix) => `${prefix}-${Date.now().toString(36)}-${++keys}`;
  const active = () => [...ledger.holds].filter(([, h]) => h.settled === null);

  async function hold(keyed) {
    const sku = pick(rng, skus);
    const body = {
      quantity: 1 + Math.floor(rng() * 3),
      ttlSeconds: 5 + Math.floor(rng() * (MAX_TTL_SECONDS - 4)),
    };
    const idem = keyed ? key("hold") : undefined;
    const headers = idem ? { "Idempotency-Key": idem } : {};
    const r = await call("POST", `/v1/skus/${sku}/holds`, { body, headers });
    ledger.count("hold", r.status, codeOf(r));
    if (r.status === 201) ledger.holdPlaced(r.json, sku, body.quantity);
    if (idem && r.status !== 0 && r.status < 500)
      ledger.keyedHolds.set(idem, { sku, body, first: r });
  }

  async function settle(command) {
    const candidates = active();
    if (candidates.length === 0) return hold(false);
    const [holdId, h] = pick(rng, candidates);
    const path = `/v1/skus/${h.sku}/holds/${holdId}`;
    const r =
      command === "confirm" ? await call("POST", `${path}/confirm`) : await call("DELETE", path);
    ledger.count(command, r.status, codeOf(r));
    if (command === "confirm") ledger.confirmAnswered(holdId, r.status);
    else ledger.releaseAnswered(holdId, r.status);
    if (r.status === 200) ledger.holdSettled(holdId, r.json.status);
    if (r.status === 409) ledger.holdSettled(holdId, "gone"); // expired, or settled the other way
  }

  async function order(async) {
    const count = 1 + Math.floor(rng() * Math.min(3, skus.length));
    const chosen = [...skus].sort(() => rng() - 0.5).slice(0, count);
    const items = chosen.map((sku) => ({ sku, quantity: 1 + Math.floor(rng() * 2) }));
    const idem = key(async ? "async" : "order");
    const headers = { "Idempotency-Key": idem, ...(async ? { Prefer: "respond-async" } : {}) };
    ledger.order(idem, await orderIdOf(idem), items);
    const r = await call("POST", "/v1/orders", { body: { items }, headers });
    ledger.count(async ? "order-async" : "order", r.status, codeOf(r));
    ledger.orderAnswered(idem, r);
  }

  async function replay() {
    if (rng() < 0.5 && ledger.keyedHolds.size > 0) {
      const [idem, k] = pick(rng, [...ledger.keyedHolds]);
      const r = await call("POST", `/v1/skus/${k.sku}/holds`, {
        body: k.body,
        headers: { "Idempotency-Key": idem },
      });
      ledger.count("replay-hold", r.status, codeOf(r));
      ledger.holdReplayed(idem, r);
      return;
    }
    const accepted = [...ledger.orders].filter(([, o]) => o.accepted);
    if (accepted.length === 0) return hold(true);
    const [idem, o] = pick(rng, accepted);
    const r = await call("POST", "/v1/orders", {
      body: { items: o.items },
      headers: { "Idempotency-Key": idem },
    });
    ledger.count("replay-order", r.status, codeOf(r));
    if ([201, 202, 409].includes(r.status)) {
      ledger.check(
        "order-replay-same-order",
        r.json.orderId === o.orderId,
        () => `key ${idem}: replay answered order ${r.json.orderId}, first ${o.orderId}`,
      );
      ledger.orderSeen(idem, r.json);
    }
  }

  async function read() {
    const sku = pick(rng, skus);
    const r = await call("GET", `/v1/skus/${sku}`);
    ledger.count("read", r.status);
    if (r.status === 200) ledger.checkView(r.json, "GET");
  }

  const ACTIONS = [
    [30, () => hold(rng() < 0.3)],
    [14, () => settle("confirm")],
    [10, () => settle("release")],
    [14, () => order(false)],
    [10, () => order(true)],
    [10, () => replay()],
    [12, () => read()],
  ];
  const total = ACTIONS.reduce((sum, [w]) => sum + w, 0);
  function next() {
    let roll = rng() * total;
    for (const [w, run] of ACTIONS) {
      roll -= w;
      if (roll < 0) return run;
    }
    return ACTIONS[0][1];
  }

  async function loop() {
    while (!stopped) {
      const before = ledger.outcomes.get("hold 0") ?? 0;
      await next()();
      // Connection refused while the runtime is down: do not spin.
      if ((ledger.outcomes.get("hold 0") ?? 0) > before) await sleep(250);
      await sleep(Math.floor(rng() * 15));
    }
  }

  /** Listeners: two per sku, reconnecting after kills; every message is checked. */
  const sockets = new Set();
  function listen(sku) {
    if (stopped) return;
    const ws = new WebSocket(`${runtime.url.replace("http", "ws")}/v1/skus/${sku}/events`);
    sockets.add(ws);
    ws.on("message", (data) => {
      ledger.count("ws-message", "ok");
      ledger.checkView(JSON.parse(String(data)), "ws");
    });
    const again = () => {
      sockets.delete(ws);
      if (!stopped) setTimeout(() => listen(sku), 1000);
    };
    ws.on("close", again);
    ws.on("error", () => ledger.count("ws-error", "error"));
  }

  return {
    start(concurrency) {
      for (const sku of skus) {
        listen(sku);
        listen(sku);
      }
      return Promise.all(Array.from({ length: concurrency }, loop));
    },
    stop() {
      stopped = true;
      for (const ws of sockets) ws.terminate();
    },
  };
}
