/**
 * Faults while the workload runs: crash, latency and overload through the operations API —
 * inventory faults aimed at the shard of one of the soak's skus (a random one of the 16
 * shards would mostly miss them), orders faults at a random shard (orders spread over all of
 * them); now and then a crash loop that takes the inventory service down, brought back by the
 * admin restart; and at planned moments a `kill -9` of the whole runtime, restarted on the
 * same `--persist-to`. Every 2xx answered before a kill is checked after it.
 *
 * What is posted is counted apart from what was seen to take effect: a crash fault fired if
 * the runtime logged an `actor-crashed` of its service within `FIRE_WAIT_MS`; crashes logged
 * and restarts the supervision view counted while only random faults were armed; the crash
 * loop's `/readyz` degraded; a kill whose runtime stopped answering.
 */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const ORDERS_SHARDS = 16;
/** Concurrent reads while checking that acked answers survived a kill. */
const CHECK_CONCURRENCY = 16;
/** A durability re-read without a definite answer (none, or 5xx) is tried this often again. */
const READ_RETRIES = 3;
/**
 * Crashes armed per sku's shard by a crash loop: the supervisor's intensity (5 in 10 s,
 * wrangler.toml) plus one, so even if every sku lived on one shard its crashes alone would
 * exceed the intensity and take the service down.
 */
const CRASH_LOOP_COUNT = 6;
/** How long a crash loop waits for `/readyz` to report inventory down. */
const CRASH_LOOP_WAIT_MS = 15_000;
/** How long a crash fault may take to fire (a crash logged) before it counts as not fired. */
const FIRE_WAIT_MS = 5000;
/** A kill or a service that does not come back within this is a failed run, not a hang. */
const RECOVERY_LIMIT_MS = 120_000;
const WATCHED = ["inventory", "orders"];

/** Restarts of every child under `view`, keyed by its path of ids. */
function childRestarts(view, into, prefix = "") {
  for (const child of view?.children ?? []) {
    if (typeof child.restarts === "number") into.set(`${prefix}${child.id}`, child.restarts);
    if (child.supervisor) childRestarts(child.supervisor, into, `${prefix}${child.id}/`);
  }
}

/** Restarts counted between two supervision views (a child reset to 0 counts nothing). */
function restartsBetween(before, after) {
  let n = 0;
  for (const [id, restarts] of after) n += Math.max(0, restarts - (before.get(id) ?? 0));
  return n;
}

export function chaos({ call, ledger, skus, rng, runtime, seconds, kills, log }) {
  let stopped = false;
  const faults = new Map();
  const recoveries = [];
  const countFault = (kind) => faults.set(kind, (faults.get(kind) ?? 0) + 1);
  /** Crash loops: whether every POST armed its crashes, and when `/readyz` saw inventory down. */
  const crashLoops = [];
  const killed = { asked: kills, performed: 0 };
  /**
   * Random crash faults, by service: faults posted, crashes armed (their `count`s), faults
   * seen to fire, and — between faults, windows with a crash loop or a kill left out — the
   * crashes the runtime logged and the restarts the supervision view counted.
   */
  const perService = () => ({ inventory: 0, orders: 0 });
  const effects = {
    faults: perService(),
    armed: perService(),
    fired: perService(),
    logged: perService(),
    restarts: perService(),
    unreadWindows: 0,
    downOutsideCrashLoops: 0,
  };
  const crashesLogged = (service) => runtime.crashes.get(service) ?? 0;
  let baseline = null;
  let wasReady = true;

  async function restartCounts() {
    const r = await call("GET", "/v1/ops/supervision", { admin: true });
    if (r.status !== 200 || !r.json) return null;
    const counts = {};
    for (const child of r.json.children ?? []) {
      if (!WATCHED.includes(child.id) || !child.supervisor) continue;
      counts[child.id] = new Map();
      childRestarts(child.supervisor, counts[child.id]);
    }
    return counts;
  }

  async function startWindow() {
    const restarts = await restartCounts();
    baseline = { restarts, logged: Object.fromEntries(WATCHED.map((s) => [s, crashesLogged(s)])) };
  }

  /** Ends a window of random faults (its crashes and restarts are theirs), starts the next. */
  async function closeWindow() {
    const before = baseline;
    await startWindow();
    for (const service of WATCHED) {
      effects.logged[service] += baseline.logged[service] - before.logged[service];
    }
    if (!before.restarts || !baseline.restarts) {
      effects.unreadWindows += 1;
      return;
    }
    for (const service of WATCHED) {
      effects.restarts[service] += restartsBetween(
        before.restarts[service] ?? new Map(),
        baseline.restarts[service] ?? new Map(),
      );
    }
  }

  async function randomFault() {
    // Until one inventory crash is armed, the fault is one: the run must show that they fire.
    const forced = effects.armed.inventory === 0;
    const roll = rng();
    const service = forced || rng() < 0.6 ? "inventory" : "orders";
    const kind = forced ? "crash" : roll < 0.5 ? "crash" : roll < 0.8 ? "latency" : "overload";
    const target =
      service === "inventory"
        ? { sku: pick(rng, skus) }
        : { shard: Math.floor(rng() * ORDERS_SHARDS) };
    const body = {
      service,
      ...target,
      kind,
      count: 1 + Math.floor(rng() * 3),
      ms: 20 + Math.floor(rng() * 300),
    };
    const logged = crashesLogged(service);
    const r = await call("POST", "/v1/ops/faults", { body, admin: true });
    if (r.status !== 201) return;
    countFault(`${kind} (${service})`);
    if (kind !== "crash") return;
    effects.faults[service] += 1;
    effects.armed[service] += body.count;
    const deadline = Date.now() + FIRE_WAIT_MS;
    while (crashesLogged(service) === logged && Date.now() < deadline) await sleep(100);
    if (crashesLogged(service) > logged) effects.fired[service] += 1;
  }

  /** Crashes every sku's shard until the inventory supervisor gives up; then restarts it. */
  async function crashLoop() {
    await waitReady(); // start from a running service, so the down seen is this loop's
    const at = Date.now();
    const posted = [];
    for (const sku of skus) {
      const r = await call("POST", "/v1/ops/faults", {
        body: { service: "inventory", sku, kind: "crash", count: CRASH_LOOP_COUNT },
        admin: true,
      });
      posted.push(r.status);
    }
    const loop = { armed: posted.every((s) => s === 201), downAfterMs: null };
    crashLoops.push(loop);
    if (loop.armed) countFault("crash-loop (inventory)");
    else log(`crash loop: arming answered ${posted.join(", ")}`);
    // Not cut short by stop(): a crash loop that started is seen through.
    while (Date.now() - at < CRASH_LOOP_WAIT_MS) {
      const r = await call("GET", "/readyz");
      const reasons = Array.isArray(r.json?.reasons) ? r.json.reasons : [];
      if (r.status === 503 && reasons.some((why) => String(why).includes("inventory"))) {
        loop.downAfterMs = Date.now() - at;
        break;
      }
      await sleep(250);
    }
    await call("DELETE", "/v1/ops/faults", { admin: true });
    const restartAt = Date.now();
    await call("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
    await waitReady();
    if (loop.downAfterMs !== null) {
      countFault("service-down (inventory)");
      recoveries.push({ what: "service restart", ms: Date.now() - restartAt });
    }
    log(
      loop.downAfterMs === null
        ? "crash loop: inventory never reported down"
        : `crash loop: inventory down after ${loop.downAfterMs} ms, restarted`,
    );
  }

  async function waitReady() {
    const deadline = Date.now() + RECOVERY_LIMIT_MS;
    for (;;) {
      const r = await call("GET", "/readyz");
      if (r.status === 200) return;
      if (Date.now() > deadline) throw new Error(`/readyz answered ${r.status}: ${r.text}`);
      for (const service of ["inventory", "orders"]) {
        await call("POST", `/v1/ops/supervision/${service}/restart`, { admin: true });
      }
      await sleep(250);
    }
  }

  /** Whether anything still answers HTTP at `url`. */
  async function answers(url) {
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      return true;
    } catch {
      return false;
    }
  }

  /** kill -9, restart on the same state, then: does every earlier 2xx still hold? */
  async function kill() {
    const at = Date.now();
    const oldUrl = runtime.url;
    const wasRunning = await runtime.kill9();
    const stillAnswers = await answers(oldUrl);
    ledger.epoch += 1;
    await runtime.start();
    // Recovered when a sku reads again.
    for (;;) {
      const r = await call("GET", `/v1/skus/${skus[0]}`);
      if (r.status === 200) break;
      if (Date.now() - at > RECOVERY_LIMIT_MS)
        throw new Error(`no sku read after kill: ${r.status}`);
      await sleep(100);
    }
    // A kill counts only if a runtime was running and its port went silent.
    if (wasRunning && !stillAnswers) {
      killed.performed += 1;
      countFault("kill -9 (runtime)");
    }
    recoveries.push({ what: "kill -9", ms: Date.now() - at });
    log(
      `kill -9 #${ledger.epoch}: ${wasRunning ? "" : "nothing was running; "}${
        stillAnswers ? "the old port still answered; " : ""
      }back after ${Date.now() - at} ms on ${runtime.url}`,
    );
    await checkDurable(ledger.epoch, ledger.epoch - 1, `after kill #${ledger.epoch}`);
  }

  /** A read retried while it gets no answer or a 5xx; its last answer. */
  async function readDefinite(path) {
    for (let attempt = 0; ; attempt++) {
      const r = await call("GET", path);
      if ((r.status !== 0 && r.status < 500) || attempt >= READ_RETRIES) return r;
      await sleep(500 * (attempt + 1));
    }
  }

  /**
   * Re-reads every hold and order acked in epochs `[since, epoch)` and checks it survived.
   * After a kill only the previous epoch is at stake (older answers were checked after the
   * kill before); the final check passes `since = 0` and reads everything. Reads run
   * `CHECK_CONCURRENCY` at a time, so a long run's checks take seconds, not minutes. Every
   * read is counted in a round of `ledger.durability`, with those left without an answer.
   */
  async function checkDurable(epoch, since = 0, label = "final") {
    const round = { label, holds: 0, orders: 0, unanswered: 0, missed: [] };
    ledger.durability.push(round);
    const pending = (e) => e >= since && e < epoch;
    const checks = [];
    for (const [holdId, h] of ledger.holds) {
      if (pending(h.epoch)) checks.push(() => checkHold(round, holdId, h));
    }
    for (const [key, o] of ledger.orders) {
      if (o.accepted && pending(o.epoch)) checks.push(() => checkOrder(round, key, o));
    }
    let next = 0;
    const worker = async () => {
      while (next < checks.length) await checks[next++]();
    };
    await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
  }

  /** Whether `r` is no answer: then it is counted in `round`, and nothing is checked. */
  function unanswered(round, r, what) {
    if (r.status !== 0 && r.status < 500) return false;
    round.unanswered += 1;
    if (round.missed.length < 5) round.missed.push(`${what}: ${r.status || r.error}`);
    return true;
  }

  async function checkHold(round, holdId, h) {
    const r = await readDefinite(`/v1/skus/${h.sku}/holds/${holdId}`);
    round.holds += 1;
    if (unanswered(round, r, `hold ${holdId}`)) return;
    h.serverStatus = r.status === 200 ? r.json.status : null;
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

  async function checkOrder(round, key, o) {
    const r = await readDefinite(`/v1/orders/${o.orderId}`);
    round.orders += 1;
    if (unanswered(round, r, `order ${o.orderId}`)) return;
    ledger.check(
      "acked-survives-kill",
      r.status === 200,
      () => `order ${o.orderId} answered ${r.status} after kill`,
    );
    if (r.status === 200) ledger.orderSeen(key, r.json);
  }

  /** Notes a service down that no crash loop caused (random crashes can exceed the intensity). */
  async function watchReady() {
    const r = await call("GET", "/readyz");
    if (r.status === 503 && wasReady) effects.downOutsideCrashLoops += 1;
    wasReady = r.status === 200;
  }

  async function run() {
    const start = Date.now();
    const killAt = Array.from(
      { length: kills },
      (_, i) => start + ((i + 1) * seconds * 1000) / (kills + 1),
    );
    let nextCrashLoop = start + Math.min(20_000, (seconds * 1000) / 3);
    await startWindow();
    while (!stopped) {
      await closeWindow();
      const now = Date.now();
      if (killAt.length > 0 && now >= killAt[0]) {
        killAt.shift();
        await kill();
        await startWindow();
        wasReady = true;
      } else if (now >= nextCrashLoop) {
        nextCrashLoop = now + 40_000;
        await crashLoop();
        await startWindow();
        wasReady = true;
      } else {
        await watchReady();
        await randomFault();
      }
      await sleep(1500 + Math.floor(rng() * 2500));
    }
    await closeWindow();
    if (killAt.length > 0) log(`${killAt.length} planned kill(s) not reached before the end`);
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
    crashLoops,
    kills: killed,
    effects,
  };
}
