import { pathToFileURL } from "node:url";
import { expectJson, requestJson } from "../lib/http.mjs";
import { runLoad } from "../lib/load.mjs";
import { runOpenLoop } from "../lib/open-loop.mjs";
import { envNumber, machine, strict, writeResults } from "../lib/settings.mjs";
import { round } from "../lib/stats.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { chooseCapacity } from "./capacity.mjs";
import { judge, report, TARGETS } from "./report.mjs";

/**
 * Overload (DESIGN "Performance targets"): one inventory shard regulated at a configured
 * capacity R, offered F×R (default 5×) holds per second at a fixed arrival rate, then the
 * same offered load with regulation switched off on a fresh server. Reports goodput against
 * R, latency of admitted requests against the unloaded latency of the same server, how fast
 * refusals come back, and whether any acknowledged hold (201) is missing from the SKU.
 */

const TOKEN = "bench-token";
const SKU = "overload-sku";
const STOCK = 100_000_000;
/** The product's config accepts at most 10 000 000 (`durable-objects/config.ts`). */
const RATE_LIMIT_PER_MINUTE = 10_000_000;

function settings() {
  const seconds = envNumber("BENCH_SECONDS", 10, { min: 1 });
  const warmupSeconds = envNumber("BENCH_WARMUP_SECONDS", 2, { min: 0 });
  const unloadedSeconds = envNumber("BENCH_UNLOADED_SECONDS", 10, { min: 1 });
  return {
    seconds,
    warmupSeconds,
    unloadedSeconds,
    probeSeconds: envNumber("BENCH_PROBE_SECONDS", 5, { min: 1 }),
    factor: envNumber("BENCH_OVERLOAD_FACTOR", 5, { min: 1 }),
    fixedRate: envNumber("BENCH_RATE", 0, { min: 0, integer: true }) || null,
    burst: envNumber("BENCH_BURST", 2, { min: 1, integer: true }),
    // One command at a time is what the simulated work really allows (it is serial).
    maxConcurrency: envNumber("BENCH_CONCURRENCY", 1, { min: 1, integer: true }),
    serviceTimeMs: envNumber("BENCH_SERVICE_TIME_MS", null, { min: 0, integer: true }),
    shardUtilization: envNumber("BENCH_SHARD_UTILIZATION", 0.8, { min: 0.05 }),
    maxSojournMs: envNumber("BENCH_SOJOURN_MS", 5, { min: 0, integer: true }),
    timeoutMs: envNumber("BENCH_TIMEOUT_MS", 5_000, { min: 100, integer: true }),
    maxSockets: envNumber("BENCH_MAX_SOCKETS", 256, { min: 1, integer: true }),
  };
}

const holdsUrl = (server) => `${server.url}/v1/skus/${SKU}/holds`;
const skuUrl = (server) => `${server.url}/v1/skus/${SKU}`;
/** The probes' hold: they last seconds, so the 60 s TTL of the brief outlives them. */
const PROBE_HOLD = { quantity: 1, ttlSeconds: 60 };

/** The product with regulation vars; `regulation: "off"` adds `REGULATION:off`. */
function productVars(
  opts,
  rate,
  { regulation = "on", burst = opts.burst, sojourn = opts.maxSojournMs, serviceTimeMs = 0 } = {},
) {
  return {
    ADMIN_TOKEN: TOKEN,
    RATE_LIMIT_PER_MINUTE,
    INVENTORY_RATE_PER_SECOND: rate,
    INVENTORY_BURST: burst,
    INVENTORY_MAX_CONCURRENCY: opts.maxConcurrency,
    INVENTORY_MAX_SOJOURN_MS: sojourn,
    INVENTORY_SERVICE_TIME_MS: serviceTimeMs,
    // One load generator is one client: lift the per-client hoarding cap for the benchmark.
    HOLD_MAX_UNITS_PER_CLIENT: 1_000_000_000,
    ...(regulation === "off" ? { REGULATION: "off" } : {}),
  };
}

async function startSeeded(vars, label) {
  const server = await startWranglerDev("wrangler.toml", { vars, label });
  try {
    await expectJson(skuUrl(server), {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: { stock: STOCK },
    });
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Closed-loop, flat-out holds on one sku for `probeSeconds` (after a short warm-up) over
 * `connections` connections. A serial shard needs only a few to stay busy, and few keep its
 * backlog short: requests abandoned when the warm-up ends are still served afterwards, and
 * 50 of them would eat a second of the probe.
 */
async function probe(vars, label, opts, connections) {
  const server = await startSeeded(vars, label);
  try {
    const load = {
      url: holdsUrl(server),
      method: "POST",
      headers: { "content-type": "application/json" },
      body: PROBE_HOLD,
      connections,
    };
    await runLoad({ ...load, seconds: 2 });
    return await runLoad({ ...load, seconds: opts.probeSeconds });
  } finally {
    await server.stop();
  }
}

/** Every acknowledged hold (201) of one server, to compare with the sku's `held` later. */
function holdLedger() {
  const ledger = { created: 0, holdIds: new Set() };
  ledger.onBody = (status, text) => {
    if (status !== 201) return;
    ledger.created += 1;
    try {
      ledger.holdIds.add(JSON.parse(text).holdId);
    } catch {
      // counted anyway: a 201 without a parsable body is still an acknowledged hold
    }
  };
  return ledger;
}

/** Unloaded latency, warm-up, then factor×R, all at fixed arrival rates on `server`. */
async function measure(server, capacity, opts, ledger) {
  // Unloaded: low enough that the regulator never refuses (≤ R/2), long enough for ~200
  // samples. Holds must outlive the whole run, or expiries would look like lost holds.
  const unloadedRate = Math.max(1, Math.min(25, Math.floor(capacity / 2)));
  const unloadedSeconds = Math.max(opts.unloadedSeconds, Math.ceil(200 / unloadedRate));
  const ttlSeconds = Math.min(
    3600,
    Math.max(60, unloadedSeconds + opts.warmupSeconds + opts.seconds + 30),
  );
  const load = {
    url: holdsUrl(server),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: { quantity: 1, ttlSeconds },
    maxSockets: opts.maxSockets,
    timeoutMs: opts.timeoutMs,
    onBody: ledger.onBody,
  };
  const offered = capacity * opts.factor;
  const unloaded = await runOpenLoop({ ...load, rate: unloadedRate, seconds: unloadedSeconds });
  if (opts.warmupSeconds > 0) {
    await runOpenLoop({ ...load, rate: offered, seconds: opts.warmupSeconds });
  }
  const loaded = await runOpenLoop({ ...load, rate: offered, seconds: opts.seconds });
  return { unloaded, loaded, offered, ttlSeconds };
}

/** The figures of one mode: goodput against R, latency against unloaded, the audit. */
function summarize(
  mode,
  capacity,
  opts,
  { unloaded, loaded, offered, ttlSeconds },
  ledger,
  view,
  missing,
) {
  const sloMs = TARGETS.admittedP99Max * unloaded.ok.p99;
  const timely = loaded.okLatencies.filter((ms) => ms <= sloMs).length;
  const perSecond = (count) => round(count / opts.seconds, 1);
  const { okLatencies, ...rest } = loaded;
  return {
    mode,
    capacity,
    offered,
    ttlSeconds,
    goodput: perSecond(loaded.ok.count),
    goodputRatio: round(loaded.ok.count / opts.seconds / capacity, 3),
    timelyGoodput: perSecond(timely),
    timelyGoodputRatio: round(timely / opts.seconds / capacity, 3),
    sloMs: round(sloMs, 2),
    unloaded: {
      rate: unloaded.rate,
      seconds: unloaded.seconds,
      ...unloaded.ok,
      byStatus: unloaded.byStatus,
    },
    admitted: loaded.ok,
    admittedP99Ratio: round(loaded.ok.p99 / unloaded.ok.p99, 3),
    ...rest,
    audit: {
      created201: ledger.created,
      distinctHoldIds: ledger.holdIds.size,
      held: view.held,
      // Every acknowledged hold read back by its id: not there, or not active, is lost.
      lost: missing,
      // 201s without a readable id (or a repeated one) cannot be read back.
      unverifiable: ledger.created - ledger.holdIds.size,
      unacknowledged: Math.max(0, view.held - (ledger.holdIds.size - missing)),
      sku: view,
    },
  };
}

/**
 * The acknowledged holds (`holdIds`) that are not on the server as `active`, each read back
 * (`GET /v1/skus/{sku}/holds/{id}`, 20 at a time): a count of the sku's `held` alone could
 * let holds committed without an answer offset lost ones. A read that fails is retried once
 * and then counted missing.
 */
async function missingHolds(server, holdIds) {
  const ids = [...holdIds];
  let missing = 0;
  const read = (id) => requestJson(`${skuUrl(server)}/holds/${id}`).catch(() => ({ status: 0 }));
  for (let i = 0; i < ids.length; i += 20) {
    const answers = await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        const first = await read(id);
        return first.status === 0 || first.status >= 500 ? read(id) : first;
      }),
    );
    missing += answers.filter((a) => a.status !== 200 || a.body?.status !== "active").length;
  }
  return missing;
}

/** One mode (regulation on or off) on a fresh server: measure, then audit the holds. */
async function overloadCase(mode, vars, capacity, opts, log) {
  const server = await startSeeded(vars, `product (regulation ${mode})`);
  try {
    const ledger = holdLedger();
    const run = await measure(server, capacity, opts, ledger);
    if (server.exit()) {
      throw new Error(`wrangler exited during the run (${JSON.stringify(server.exit())})`);
    }
    const { body: view } = await expectJson(skuUrl(server));
    const missing = await missingHolds(server, ledger.holdIds);
    const r = summarize(mode, capacity, opts, run, ledger, view, missing);
    log(
      `  ${mode}: unloaded ${r.unloaded.rate}/s × ${r.unloaded.seconds} s: p50 ${r.unloaded.p50} ms  p99 ${r.unloaded.p99} ms  (${JSON.stringify(r.unloaded.byStatus)})`,
    );
    log(
      `  ${mode}: offered ${r.offered}/s (sent ${r.sendRate}/s): 2xx ${r.goodput}/s  p99 ${r.admitted.p99} ms  503 ${r.refused.count} (p99 ${r.refused.p99} ms)  timeouts ${r.timeouts}  lost ${r.audit.lost}  ${JSON.stringify(r.problems)}`,
    );
    return r;
  } catch (error) {
    error.message += `\n--- wrangler output (tail) ---\n${server.output().slice(-3000)}`;
    throw error;
  } finally {
    await server.stop();
  }
}

/** Runs the overload bench; resolves to its results object (also written as JSON). */
export async function runOverload({ log = console.log } = {}) {
  const opts = settings();
  const startedAt = new Date().toISOString();
  log(
    `overload: probing one shard (POST /v1/skus/${SKU}/holds, closed loop, ${opts.probeSeconds} s)`,
  );
  const choice = await chooseCapacity(opts, { probe, productVars }, log);
  const vars = productVars(opts, choice.capacity, { serviceTimeMs: choice.serviceTimeMs });
  log(
    `overload: product vars ${Object.entries(vars)
      .map(([k, v]) => `${k}:${v}`)
      .join(" ")}`,
  );
  const attempt = async (mode, modeVars) => {
    try {
      return await overloadCase(mode, modeVars, choice.capacity, opts, log);
    } catch (error) {
      log(`  ${mode}: FAILED: ${error.message}`);
      return { mode, error: error.message };
    }
  };
  const on = await attempt("on", vars);
  const off = await attempt("off", { ...vars, REGULATION: "off" });
  const verdicts = on.error || off.error ? { targets: {}, collapseShown: null } : judge(on, off);
  if (!on.error && !off.error) report(opts, choice, on, off, verdicts, log);
  for (const r of [on, off]) {
    if (!r.error && (r.sendRate < 0.95 * r.offered || r.lagP99 > 20)) {
      log(
        `WARNING (${r.mode}): the generator fell behind (sent ${r.sendRate}/s of ${r.offered}/s, send lag p99 ${r.lagP99} ms)`,
      );
    }
  }
  const results = {
    bench: "overload",
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    settings: opts,
    capacity: choice,
    productVars: vars,
    cases: { on, off },
    targets: verdicts.targets,
    collapseShown: verdicts.collapseShown,
    pass: !on.error && !off.error && Object.values(verdicts.targets).every((t) => t.pass !== false),
  };
  log(`results: ${writeResults("overload", results)}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const results = await runOverload();
  if (strict() && !results.pass) process.exitCode = 1;
}
