import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { expectJson } from "../lib/http.mjs";
import { runLoad } from "../lib/load.mjs";
import { envNumber, machine, strict, writeResults } from "../lib/settings.mjs";
import { round } from "../lib/stats.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { analyze, report } from "./report.mjs";

/**
 * Runtime overhead (DESIGN "Performance targets"): the product's full-stack read against a
 * bare Worker → Durable Object RPC read and an itty-durable read, each in its own
 * `wrangler dev` on the same machine, one server at a time, rounds interleaved a, d, b, c,
 * a, d, b, c … so slow drift of a shared machine hits every configuration alike. Every figure
 * that matters is a ratio measured in the same run: to the bare read, and (visibility's cost)
 * the full stack with visibility on (a) to the same stack with `VISIBILITY=off` (d).
 */

const TOKEN = "bench-token";
const SKU = "bench-sku";

const CONFIGS = [
  {
    key: "a",
    name: "product",
    what: "GET /v1/skus/{sku} through the full Bulwark stack (wrangler.toml)",
    config: "wrangler.toml",
    vars: { ADMIN_TOKEN: TOKEN },
    seedHeaders: { authorization: `Bearer ${TOKEN}` },
  },
  {
    key: "d",
    name: "no-vis",
    what: "the same full-stack read with visibility off (VISIBILITY=off: no metrics, no flushes)",
    config: "wrangler.toml",
    vars: { ADMIN_TOKEN: TOKEN, VISIBILITY: "off" },
    seedHeaders: { authorization: `Bearer ${TOKEN}` },
  },
  {
    key: "b",
    name: "bare",
    what: "bare Worker → DurableObject RPC read (bench/overhead/bare)",
    config: "bench/overhead/bare/wrangler.toml",
    vars: {},
    seedHeaders: {},
  },
  {
    key: "c",
    name: "itty",
    what: "itty-durable 2.4.1 proxy-stub read (bench/overhead/itty)",
    config: "bench/overhead/itty/wrangler.toml",
    vars: {},
    seedHeaders: {},
  },
];

const SKU_VIEW_KEYS = ["available", "held", "sku", "sold", "stock", "version"];

function settings() {
  return {
    connections: envNumber("BENCH_CONNECTIONS", 50, { min: 1, integer: true }),
    seconds: envNumber("BENCH_SECONDS", 10, { min: 1 }),
    warmupSeconds: envNumber("BENCH_WARMUP_SECONDS", 2, { min: 0 }),
    rounds: envNumber("BENCH_ROUNDS", 3, { min: 1, integer: true }),
    aggregate: "median over rounds, per configuration and per metric",
  };
}

/** Starts one configuration, seeds and checks the sku, warms up, measures, stops. */
async function sample(cfg, opts, log) {
  const server = await startWranglerDev(cfg.config, { vars: cfg.vars, label: cfg.name });
  try {
    const url = `${server.url}/v1/skus/${SKU}`;
    await expectJson(url, { method: "PUT", headers: cfg.seedHeaders, body: { stock: 100 } });
    const { body } = await expectJson(url);
    const keys = Object.keys(body ?? {})
      .sort()
      .join(",");
    if (keys !== SKU_VIEW_KEYS.join(",")) {
      throw new Error(`GET ${url} did not answer a SkuView: ${JSON.stringify(body)}`);
    }
    const load = { url, connections: opts.connections };
    if (opts.warmupSeconds > 0) await runLoad({ ...load, seconds: opts.warmupSeconds });
    const result = await runLoad({ ...load, seconds: opts.seconds });
    log(
      `  ${cfg.key} ${cfg.name.padEnd(7)} ${String(result.rps).padStart(8)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  non2xx ${result.non2xx}  errors ${result.errors}`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

/** Runs every configuration once per round, in order, one server at a time. */
async function collect(opts, log) {
  const samples = [];
  for (let n = 1; n <= opts.rounds; n++) {
    log(`round ${n}/${opts.rounds}`);
    for (const cfg of CONFIGS) {
      const load1 = round(loadavg()[0], 2);
      try {
        samples.push({ round: n, config: cfg.key, load1, ...(await sample(cfg, opts, log)) });
      } catch (error) {
        log(`  ${cfg.key} ${cfg.name}: FAILED: ${error.message.split("\n")[0]}`);
        samples.push({ round: n, config: cfg.key, load1, error: error.message });
      }
    }
  }
  return samples;
}

/** Runs the overhead bench; resolves to its results object (also written as JSON). */
export async function runOverhead({ log = console.log } = {}) {
  const opts = settings();
  const startedAt = new Date().toISOString();
  log(
    `overhead: ${opts.rounds} rounds × (a, d, b, c); each sample: fresh wrangler dev, ${opts.warmupSeconds} s warm-up, ${opts.seconds} s at ${opts.connections} connections (closed loop)`,
  );
  const samples = await collect(opts, log);
  const analysis = analyze(CONFIGS, samples, opts.rounds);
  report(CONFIGS, analysis, opts, log);
  const results = {
    bench: "overhead",
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    settings: opts,
    configs: CONFIGS.map(({ key, name, what, config }) => ({ key, name, what, config })),
    samples,
    ...analysis,
    pass:
      analysis.targets.throughput.pass === true &&
      analysis.targets.p99.pass === true &&
      analysis.targets.visibility.pass === true,
  };
  log(`results: ${writeResults("overhead", results)}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const results = await runOverhead();
  if (strict() && !results.pass) process.exitCode = 1;
}
