/**
 * Faults while the workload runs: crash, latency and overload on random shards through the
 * operations API; now and then a crash loop that takes the inventory service down, brought
 * back by the admin restart; and at planned moments a `kill -9` of the whole runtime,
 * restarted on the same `--persist-to`. Every 2xx answered before a kill is checked after it.
 */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SHARDS = 16;
/** Concurrent reads while checking that acked answers survived a kill. */
const CHECK_CONCURRENCY = 16;

export function chaos({ call, ledger, skus, rng, runtime, seconds, kills, log }) {
  let stopped = false;
  const faults = new Map();
  const recoveries = [];
  const countFault = (kind) => faults.set(kind, (faults.get(kind) ?? 0) + 1);

  async function randomFault() {
    const roll = rng();
    const service = rng() < 0.6 ? "inventory" : "orders";
    const shard = Math.floor(rng() * SHARDS);
    const kind = roll < 0.5 ? "crash" : roll < 0.8 ? "latency" : "overload";
    const body = {
      service,
      shard,
      kind,
      count: 1 + Math.floor(rng() * 3),
      ms: 20 + Math.floor(rng() * 300),
    };
    const r = await call("POST", "/v1/ops/faults", { body, admin: true });
    if (r.status === 201) countFault(`${kind} (${service})`);
  }

  /** Crashes every sku's shard until the inventory supervisor gives up; then restarts it. */
  async function crashLoop() {
    for (const sku of skus) {
      await call("POST", "/v1/ops/faults", {
        body: { service: "inventory", sku, kind: "crash", count: 4 },
        admin: true,
      });
    }
    countFault("crash-loop (inventory)");
    const deadline = Date.now() + 15_000;
    let down = false;
    while (!stopped && Date.now() < deadline) {
      const r = await call("GET", "/readyz");
      if (r.status === 503) {
        down = true;
        break;
      }
      await sleep(250);
    }
    await call("DELETE", "/v1/ops/faults", { admin: true });
    const restartAt = Date.now();
    await call("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
    await waitReady();
    if (down) {
      countFault("service-down (inventory)");
      recoveries.push({ what: "service restart", ms: Date.now() - restartAt });
    }
  }

  async function waitReady() {
    for (;;) {
      const r = await call("GET", "/readyz");
      if (r.status === 200) return;
      for (const service of ["inventory", "orders"]) {
        await call("POST", `/v1/ops/supervision/${service}/restart`, { admin: true });
      }
      await sleep(250);
    }
  }

  /** kill -9, restart on the same state, then: does every earlier 2xx still hold? */
  async function kill() {
    const at = Date.now();
    await runtime.kill9();
    ledger.epoch += 1;
    countFault("kill -9 (runtime)");
    await runtime.start();
    // Recovered when a write succeeds again.
    for (;;) {
      const r = await call("GET", `/v1/skus/${skus[0]}`);
      if (r.status === 200) break;
      await sleep(100);
    }
    recoveries.push({ what: "kill -9", ms: Date.now() - at });
    log(`kill -9 #${ledger.epoch}: back after ${Date.now() - at} ms on ${runtime.url}`);
    await checkDurable(ledger.epoch, ledger.epoch - 1);
  }

  /**
   * Re-reads every hold and order acked in epochs `[since, epoch)` and checks it survived.
   * After a kill only the previous epoch is at stake (older answers were checked after the
   * kill before); the final check passes `since = 0` and reads everything. Reads run
   * `CHECK_CONCURRENCY` at a time, so a long run's checks take seconds, not minutes.
   */
  async function checkDurable(epoch, since = 0) {
    const pending = (e) => e >= since && e < epoch;
    const checks = [];
    for (const [holdId, h] of ledger.holds) {
      if (pending(h.epoch)) checks.push(() => checkHold(holdId, h));
    }
    for (const [key, o] of ledger.orders) {
      if (o.accepted && pending(o.epoch)) checks.push(() => checkOrder(key, o));
    }
    let next = 0;
    const worker = async () => {
      while (next < checks.length) await checks[next++]();
    };
    await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
  }

  async function checkHold(holdId, h) {
    const r = await call("GET", `/v1/skus/${h.sku}/holds/${holdId}`);
    if (r.status === 0 || r.status >= 500) return;
    ledger.check(
      "acked-survives-kill",
      r.status === 200,
      () => `hold ${holdId} answered ${r.status} after kill`,
    );
    if (r.status === 200 && (h.settled === "confirmed" || h.settled === "released")) {
      ledger.check(
        "acked-survives-kill",
        r.json.status === h.settled,
        () => `hold ${holdId} was ${h.settled} before the kill, ${r.json.status} after`,
      );
    }
  }

  async function checkOrder(key, o) {
    const r = await call("GET", `/v1/orders/${o.orderId}`);
    if (r.status === 0 || r.status >= 500) return;
    ledger.check(
      "acked-survives-kill",
      r.status === 200,
      () => `order ${o.orderId} answered ${r.status} after kill`,
    );
    if (r.status === 200) ledger.orderSeen(key, r.json);
  }

  async function run() {
    const start = Date.now();
    const killAt = Array.from(
      { length: kills },
      (_, i) => start + ((i + 1) * seconds * 1000) / (kills + 1),
    );
    let nextCrashLoop = start + Math.min(20_000, (seconds * 1000) / 3);
    while (!stopped) {
      const now = Date.now();
      if (killAt.length > 0 && now >= killAt[0]) {
        killAt.shift();
        await kill();
      } else if (now >= nextCrashLoop) {
        nextCrashLoop = now + 40_000;
        await crashLoop();
      } else {
        await randomFault();
      }
      await sleep(1500 + Math.floor(rng() * 2500));
    }
  }

  return {
    run,
    stop: () => {
      stopped = true;
    },
    waitReady,
    checkDurable,
    faults,
    recoveries,
  };
}
