/**
 * Hot SKUs (README "Hot SKUs"): one sku's hold throughput as its stock is spread over K
 * sub-shards. `INVENTORY_SERVICE_TIME_MS` gives every inventory object a finite capacity
 * (≈ 1000 / service time holds per second, as `bench/overload` does), so a plain sku is
 * bounded by its one object; spread over K objects it should grow with K until the machine,
 * not the objects, is the limit. One `wrangler dev`, one sku per K (1, 2, 4, 8 by default),
 * each loaded closed-loop in turn; goodput (201 per second) is reported as a ratio to K = 1.
 *
 * The default service time (50 ms: 20 holds/s per object, 160/s at K = 8) keeps the top K
 * under what the whole stack does on two cores (about 230 holds/s, wrangler.toml), so the
 * objects, not the machine, stay the limit.
 *
 * Settings (environment): HOTSKU_KS ("1,2,4,8"), HOTSKU_SERVICE_TIME_MS (50),
 * HOTSKU_SECONDS (10), HOTSKU_WARMUP_SECONDS (2), HOTSKU_CONNECTIONS (32). On a shared or
 * busy machine the figures mean nothing; only ratios within one run on a quiet machine do.
 */
import { pathToFileURL } from "node:url";
import { expectJson } from "../lib/http.mjs";
import { runLoad } from "../lib/load.mjs";
import { envNumber, machine, sleep, writeResults } from "../lib/settings.mjs";
import { round } from "../lib/stats.mjs";
import { printTable } from "../lib/table.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";

const TOKEN = "bench-admin-token";
const STOCK = 100_000_000;

function settings() {
  const ks = (process.env.HOTSKU_KS ?? "1,2,4,8").split(",").map(Number);
  if (ks.some((k) => !Number.isInteger(k) || k < 1 || k > 16)) {
    throw new Error(`HOTSKU_KS must list integers from 1 to 16 (INVENTORY_SHARDS), got ${ks}`);
  }
  return {
    ks,
    serviceTimeMs: envNumber("HOTSKU_SERVICE_TIME_MS", 50, { min: 1, integer: true }),
    seconds: envNumber("HOTSKU_SECONDS", 10, { min: 1 }),
    warmupSeconds: envNumber("HOTSKU_WARMUP_SECONDS", 2, { min: 0 }),
    connections: envNumber("HOTSKU_CONNECTIONS", 32, { min: 1, integer: true }),
  };
}

const admin = { authorization: `Bearer ${TOKEN}` };

/** A sku with a stock no run exhausts, spread over `k` sub-shards. */
async function seed(server, sku, k) {
  await expectJson(`${server.url}/v1/skus/${sku}`, {
    method: "PUT",
    headers: admin,
    body: { stock: STOCK },
  });
  await expectJson(`${server.url}/v1/skus/${sku}/placement`, {
    method: "PUT",
    headers: admin,
    body: { subShards: k },
  });
}

/** Closed-loop holds on one sku: warm-up (it also spreads the allocation), then measured. */
async function holds(server, sku, opts) {
  const load = {
    url: `${server.url}/v1/skus/${sku}/holds`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: { quantity: 1, ttlSeconds: 900 },
    connections: opts.connections,
  };
  if (opts.warmupSeconds > 0) {
    await runLoad({ ...load, seconds: opts.warmupSeconds });
    // Requests the warm-up abandoned are still queued at the objects: let them drain, or
    // the measured run starts behind them (up to connections × service time at K = 1).
    await sleep(opts.connections * opts.serviceTimeMs + 500);
  }
  return runLoad({ ...load, seconds: opts.seconds });
}

/** Runs the hot-SKU bench; resolves to its results object (also written as JSON). */
export async function runHotSku({ log = console.log } = {}) {
  const opts = settings();
  const startedAt = new Date().toISOString();
  log(
    `hotsku: holds on one sku spread over K = ${opts.ks.join(", ")} sub-shards, ` +
      `INVENTORY_SERVICE_TIME_MS=${opts.serviceTimeMs} (one object ≈ ${round(1000 / opts.serviceTimeMs, 0)} holds/s)`,
  );
  const server = await startWranglerDev("wrangler.toml", {
    label: "product",
    vars: {
      ADMIN_TOKEN: TOKEN,
      INVENTORY_SERVICE_TIME_MS: opts.serviceTimeMs,
      // The serial work is the capacity under test: let waiting holds queue, not be refused.
      INVENTORY_MAX_SOJOURN_MS: 2000,
      INVENTORY_MAX_QUEUE: 10_000,
      RATE_LIMIT_PER_MINUTE: 10_000_000,
      HOLD_MAX_UNITS_PER_CLIENT: 1_000_000_000,
    },
  });
  try {
    const rows = [];
    for (const k of opts.ks) {
      const sku = `hot-bench-k${k}`;
      await seed(server, sku, k);
      const result = await holds(server, sku, opts);
      rows.push({ k, ...result });
      log(`  K=${k}: ${result.rps} holds/s  p99 ${result.p99} ms  non2xx ${result.non2xx}`);
    }
    const base = rows[0]?.rps || Number.NaN;
    for (const row of rows) row.ratio = round(row.rps / base, 2);
    printTable(rows, [
      ["k", "K"],
      ["rps", "goodput/s"],
      ["ratio", "vs K=1"],
      ["p50", "p50 ms"],
      ["p99", "p99 ms"],
      ["non2xx", "non-2xx"],
    ]);
    const results = {
      bench: "hotsku",
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machine(),
      settings: opts,
      rows,
    };
    log(`results: ${writeResults("hotsku", results)}`);
    return { ...results, pass: true };
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runHotSku();
