import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { mergeLoads, runLoad } from "../lib/load.mjs";
import { sliceOrder } from "../lib/order.mjs";
import { envNumber, machine, strict, writeResults } from "../lib/settings.mjs";
import { round } from "../lib/stats.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { CONFIGS, SKU, WORKLOADS } from "./configs.mjs";
import { analyze, report } from "./report.mjs";
import { seedAndCheck } from "./seed.mjs";

/**
 * Runtime overhead (DESIGN "Performance targets"): the product's full-stack read and write
 * against a bare Worker → Durable Object RPC read and write, and the same two requests
 * through itty-durable, @cloudflare/actors and partyserver, each in its own `wrangler dev`
 * on the same machine: a round's servers all up at once, one under load at a time, in short
 * slices taken in turn, so drift of a shared machine (its neighbours come and go within
 * seconds) hits every configuration alike. Every figure that matters is a ratio to the bare
 * server measured in the same run.
 */

function settings() {
  const only = (process.env.BENCH_CONFIGS ?? "").split(",").filter(Boolean);
  return {
    connections: envNumber("BENCH_CONNECTIONS", 50, { min: 1, integer: true }),
    seconds: envNumber("BENCH_SECONDS", 10, { min: 1 }),
    warmupSeconds: envNumber("BENCH_WARMUP_SECONDS", 2, { min: 0 }),
    rounds: envNumber("BENCH_ROUNDS", 3, { min: 1, integer: true }),
    slices: envNumber("BENCH_SLICES", 4, { min: 1, integer: true }),
    configs: only.length > 0 ? only : CONFIGS.map((c) => c.key),
    aggregate: "median over rounds, per configuration, workload and metric",
  };
}

/** Starts every configuration's server (they idle until their slice), seeded and checked. */
async function startAll(configs) {
  const servers = new Map();
  try {
    for (const cfg of configs) {
      const server = await startWranglerDev(cfg.config, { vars: cfg.vars, label: cfg.name });
      servers.set(cfg.key, server);
      await seedAndCheck(server.url, cfg);
    }
    return servers;
  } catch (error) {
    await Promise.all([...servers.values()].map((server) => server.stop()));
    throw error;
  }
}

/**
 * One round: every configuration's server up at once, then per workload each warmed up and
 * measured in `slices` short slices taken in turn (every slice in a fresh shuffled order, so
 * no configuration always follows the same one and inherits its trailing background work),
 * so each configuration is measured across the same stretch of the shared
 * machine's time instead of in its own 10 s of it. A configuration's sample is its slices
 * merged: 2xx answers over their summed time, percentiles over all their latencies.
 */
async function runRound(configs, opts, log, round) {
  const servers = await startAll(configs);
  try {
    const results = Object.fromEntries(configs.map((cfg) => [cfg.key, {}]));
    for (const w of WORKLOADS) {
      const loadOf = (cfg) => ({
        url: `${servers.get(cfg.key).url}${w.path(SKU)}`,
        method: w.method,
        headers: w.headers,
        body: w.body,
        connections: opts.connections,
      });
      if (opts.warmupSeconds > 0) {
        for (const cfg of configs) await runLoad({ ...loadOf(cfg), seconds: opts.warmupSeconds });
      }
      const runs = new Map(configs.map((cfg) => [cfg.key, []]));
      for (let slice = 0; slice < opts.slices; slice++) {
        const order = sliceOrder(configs, round, slice);
        for (const cfg of order) {
          const r = await runLoad({ ...loadOf(cfg), seconds: opts.seconds / opts.slices });
          runs.get(cfg.key).push(r);
        }
      }
      for (const cfg of configs) {
        const r = mergeLoads(runs.get(cfg.key));
        log(
          `  ${cfg.key} ${cfg.name.padEnd(11)} ${w.key.padEnd(5)} ${String(r.rps).padStart(8)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non2xx ${r.non2xx}  errors ${r.errors}`,
        );
        // Each slice's own req/s too: the report pairs them with bare's slice by slice.
        results[cfg.key][w.key] = { ...r, sliceRps: runs.get(cfg.key).map((run) => run.rps) };
      }
    }
    return results;
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
}

/** Runs the rounds, each on fresh servers; a round that fails is recorded as failed. */
async function collect(configs, opts, log) {
  const samples = [];
  for (let n = 1; n <= opts.rounds; n++) {
    log(`round ${n}/${opts.rounds}`);
    const load1 = round(loadavg()[0], 2);
    try {
      const results = await runRound(configs, opts, log, n);
      for (const cfg of configs) {
        for (const w of WORKLOADS) {
          samples.push({
            round: n,
            config: cfg.key,
            workload: w.key,
            load1,
            ...results[cfg.key][w.key],
          });
        }
      }
    } catch (error) {
      log(`  round ${n}: FAILED: ${error.message.split("\n")[0]}`);
      for (const cfg of configs) {
        for (const w of WORKLOADS) {
          samples.push({ round: n, config: cfg.key, workload: w.key, load1, error: error.message });
        }
      }
    }
  }
  return samples;
}

/** Runs the overhead bench; resolves to its results object (also written as JSON). */
export async function runOverhead({ log = console.log } = {}) {
  const opts = settings();
  const configs = CONFIGS.filter((c) => opts.configs.includes(c.key) || c.key === "b");
  const startedAt = new Date().toISOString();
  log(
    `overhead: ${opts.rounds} rounds × (${configs.map((c) => c.key).join(", ")}) × (read, write); each round: fresh wrangler dev servers, per workload ${opts.warmupSeconds} s warm-up each, then ${opts.seconds} s each in ${opts.slices} interleaved slices at ${opts.connections} connections (closed loop)`,
  );
  const samples = await collect(configs, opts, log);
  const analysis = analyze(configs, WORKLOADS, samples, opts.rounds);
  report(configs, analysis, opts, log);
  const results = {
    bench: "overhead",
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    settings: opts,
    configs: configs.map(({ key, name, what, config }) => ({ key, name, what, config })),
    samples,
    ...analysis,
    pass: Object.values(analysis.targets).every((t) => t.pass === true),
  };
  log(`results: ${writeResults("overhead", results)}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const results = await runOverhead();
  if (strict() && !results.pass) process.exitCode = 1;
}
