import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { runLoad } from "../lib/load.mjs";
import { envNumber, writeResults } from "../lib/settings.mjs";
import { printTable } from "../lib/table.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { CONFIGS, SKU, WORKLOADS } from "./configs.mjs";
import { seedAndCheck } from "./seed.mjs";

/**
 * Where a request's CPU goes: samples the V8 CPU profiler of the `wrangler dev` Worker
 * (through its inspector, the one `wrangler dev --inspector-port` exposes, which in local
 * workerd runs the edge Worker and its Durable Objects in one isolate) while autocannon
 * drives one workload, then charges every sample to the source file of the nearest frame
 * that has one (esbuild's bundle marks each module with a `// path` comment), so native
 * calls (JSON, SQLite, RPC serialization) count for the code that made them. Prints each
 * part's share of the sampled CPU time. Not a benchmark: the profiler itself slows the
 * Worker, so only the shares mean anything.
 *
 *   node bench/overhead/profile.mjs [write|read] [config key, default a]
 *
 * `PROFILE_TOP` (default 25) hottest functions are listed; `PROFILE_LINES=n` (default 0) also
 * lists the n hottest source lines, which shows a statement inlined into its caller.
 */

/** Pipeline stages, first match wins (the README's write-path breakdown uses these names). */
const GROUPS = [
  [/^node_modules\/hono\//, "edge: hono (router, context, body limit)"],
  [/^node_modules\/zod\//, "edge: body parse + validation"],
  [/^workers\/middleware\/(json-body|validate)/, "edge: body parse + validation"],
  [/^workers\/middleware\/client-rate-limit/, "edge: rate limit (leases)"],
  [/^durable-objects\/rate-limit\//, "edge: rate limit (leases)"],
  [/^core\/regulation\/(token-lease|held-lease)/, "edge: rate limit (leases)"],
  [/^workers\/middleware\//, "edge: request id, deadline"],
  [/^workers\/visibility\//, "edge: visibility (HTTP metrics)"],
  [/^workers\/(shard-call|reply|errors)/, "edge: shard call, breaker, reply"],
  [/^core\/(breaker|backoff)/, "edge: shard call, breaker, reply"],
  [/^workers\//, "edge: routes and app"],
  [/^durable-objects\/(routing|config)/, "edge: router, config"],
  [/^core\/sharding\//, "edge: router, config"],
  [/^durable-objects\/runtime\/actor-ref/, "edge: actor ref (RPC call)"],
  [/^durable-objects\/runtime\/actor\.ts/, "actor: dispatch + transaction (runtime/actor.ts)"],
  [/^durable-objects\/runtime\/admission-gate/, "actor: admission"],
  [/^core\/regulation\//, "actor: admission"],
  [/^durable-objects\/runtime\/(telemetry|business-counts)/, "actor: telemetry"],
  [/^durable-objects\/runtime\//, (m) => `actor: runtime/${m.split("/").pop()}`],
  [
    /^durable-objects\/inventory\/(hold-policy|client-holds)/,
    "actor: hold policy (per-client cap)",
  ],
  [/^durable-objects\/inventory\/hold-expiry/, "actor: hold expiry timer"],
  [/^durable-objects\/inventory\/store/, "actor: inventory store (SQL)"],
  [/^durable-objects\/inventory\/(stock-feed|retention)/, (m) => `actor: ${m.split("/").pop()}`],
  [/^durable-objects\/visibility\/alarms\//, "actor: stock-feed.ts"],
  [/^durable-objects\/inventory\//, "actor: inventory command (shard.ts)"],
  [/^durable-objects\/retention\//, "actor: retention.ts"],
  [/^durable-objects\/visibility\//, "actor: visibility (metrics reporter, analytics)"],
  [/^core\/metrics\//, "visibility: metric recording (core/metrics, edge + actor)"],
  [/^durable-objects\//, "actor: service shard, limits"],
  [/^core\//, "core: other"],
  [/^(node_modules\/wrangler\/|\.wrangler\/)/, "wrangler dev shims (every server pays them)"],
  [/^node_modules\//, "other libraries"],
];

const groupOf = (module) => {
  const hit = GROUPS.find(([re]) => re.test(module))?.[1];
  if (typeof hit === "function") return hit(module);
  return hit ?? module;
};

/** A tiny Chrome DevTools Protocol client over the inspector's WebSocket. */
async function connect(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && pending.has(msg.id)) {
      const { ok, fail } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) fail(new Error(`${msg.error.message}`));
      else ok(msg.result);
    }
  });
  const send = (method, params = {}) =>
    new Promise((ok, fail) => {
      const n = ++id;
      pending.set(n, { ok, fail });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Module boundaries of one bundled script: sorted [line, path] from esbuild's comments. */
function moduleMap(source) {
  const marks = [];
  source.split("\n").forEach((line, n) => {
    // esbuild writes paths relative to the config's folder: strip the climb out of it.
    const m = /^\/\/ ((?:\.\.\/)*[\w@./-]+\.m?[jt]sx?)$/.exec(line.trim());
    if (m) marks.push([n, m[1].replace(/^(\.\.\/)+/, "")]);
  });
  return (line) => {
    let found = null;
    for (const [start, path] of marks) {
      if (start > line) break;
      found = path;
    }
    return found;
  };
}

/**
 * Samples per source line of the bundle (V8's `positionTicks`), with the line's text and its
 * module: inlined helpers show up inside their caller's function, so the function table alone
 * can hide which statement is hot. Shares are of all samples, idle included.
 */
async function hotLines(profile, cdp, limit) {
  const sources = new Map();
  const source = async (scriptId) => {
    if (!sources.has(scriptId)) {
      const { scriptSource } = await cdp.send("Debugger.getScriptSource", { scriptId });
      sources.set(scriptId, { lines: scriptSource.split("\n"), module: moduleMap(scriptSource) });
    }
    return sources.get(scriptId);
  };
  const ticks = new Map();
  for (const node of profile.nodes) {
    const { scriptId } = node.callFrame;
    if (!scriptId || scriptId === "0") continue;
    for (const { line, ticks: n } of node.positionTicks ?? []) {
      const key = `${scriptId}:${line - 1}`;
      ticks.set(key, (ticks.get(key) ?? 0) + n);
    }
  }
  const total = profile.samples.length;
  const top = [...ticks].sort((a, b) => b[1] - a[1]).slice(0, limit);
  const rows = [];
  for (const [key, n] of top) {
    const [scriptId, line] = key.split(":");
    const { lines, module } = await source(scriptId);
    const text = (lines[Number(line)] ?? "").trim().slice(0, 70);
    rows.push({ line: `${module(Number(line)) ?? "?"}: ${text}`, share: n / total });
  }
  return rows;
}

/** Self time per node, charged to the nearest ancestor (or itself) with a module. */
async function attribute(profile, cdp) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const maps = new Map();
  const moduleOfNode = async (node) => {
    const { scriptId, lineNumber, url } = node.callFrame;
    if (!scriptId || scriptId === "0" || !url) return null;
    if (!maps.has(scriptId)) {
      const { scriptSource } = await cdp.send("Debugger.getScriptSource", { scriptId });
      maps.set(scriptId, moduleMap(scriptSource));
    }
    return maps.get(scriptId)(lineNumber);
  };
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (const [i, id] of profile.samples.entries())
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  const totals = new Map();
  const functions = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  for (const [id, us] of self) {
    let node = byId.get(id);
    const leaf = node.callFrame.functionName || "(anonymous)";
    let label = null;
    if (["(idle)", "(program)", "(garbage collector)"].includes(leaf)) label = leaf;
    while (label === null && node) {
      const module = await moduleOfNode(node);
      if (module) {
        label = groupOf(module);
        const fn = node.callFrame.functionName || "(anonymous)";
        add(functions, `${module}: ${fn}${fn === leaf ? "" : ` → ${leaf}`}`, us);
      } else node = byId.get(parent.get(node.id));
    }
    label ??= "runtime (no JS frame: RPC, I/O, workerd)";
    add(totals, label, us);
  }
  return { totals, functions };
}

export async function runProfile(workloadKey = "write", configKey = "a", log = console.log) {
  const seconds = envNumber("BENCH_SECONDS", 10, { min: 1 });
  const cfg = CONFIGS.find((c) => c.key === configKey);
  const workload = WORKLOADS.find((w) => w.key === workloadKey);
  if (!cfg || !workload) throw new Error(`unknown config ${configKey} or workload ${workloadKey}`);
  const server = await startWranglerDev(cfg.config, { vars: cfg.vars, label: cfg.name });
  try {
    await seedAndCheck(server.url, cfg);
    const load = {
      url: `${server.url}${workload.path(SKU)}`,
      method: workload.method,
      headers: workload.headers,
      body: workload.body,
      connections: envNumber("BENCH_CONNECTIONS", 50, { min: 1, integer: true }),
    };
    await runLoad({ ...load, seconds: 2 });
    const cdp = await connect(server.inspectorPort);
    await cdp.send("Debugger.enable");
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    const result = await runLoad({ ...load, seconds });
    const { profile } = await cdp.send("Profiler.stop");
    const { totals, functions } = await attribute(profile, cdp);
    const lines = await hotLines(
      profile,
      cdp,
      envNumber("PROFILE_LINES", 0, { min: 0, integer: true }),
    );
    cdp.close();
    const idle = totals.get("(idle)") ?? 0;
    const busy = [...totals.values()].reduce((a, b) => a + b, 0) - idle;
    const rows = [...totals]
      .filter(([label]) => label !== "(idle)")
      .map(([label, us]) => ({ part: label, ms: us / 1000, share: us / busy }))
      .sort((a, b) => b.ms - a.ms);
    log(
      `profile: ${cfg.name} ${workload.key}, ${result.rps} req/s under the profiler, ${result.ok} answers; busy CPU ${(busy / 1000).toFixed(0)} ms (${(busy / Math.max(1, result.requests)).toFixed(0)} µs per request), idle ${(idle / 1000).toFixed(0)} ms`,
    );
    printTable(
      rows.map((r) => ({ ...r, perReq: (r.ms * 1000) / Math.max(1, result.requests) })),
      [
        ["part", "part"],
        ["share", "share of busy CPU", (v) => `${(v * 100).toFixed(1)}%`],
        ["perReq", "µs / request", (v) => v.toFixed(0)],
      ],
      log,
    );
    const top = [...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, envNumber("PROFILE_TOP", 25, { min: 0, integer: true }))
      .map(([fn, us]) => ({ fn, share: us / busy, perReq: us / Math.max(1, result.requests) }));
    log("");
    log("Hottest functions (self time, natives charged to their caller):");
    printTable(
      top,
      [
        ["fn", "module: function → native"],
        ["share", "share", (v) => `${(v * 100).toFixed(1)}%`],
        ["perReq", "µs / req", (v) => v.toFixed(0)],
      ],
      log,
    );
    if (lines.length > 0) {
      log("");
      log("Hottest source lines (samples on the line itself, share of all samples):");
      printTable(
        lines,
        [
          ["line", "module: line"],
          ["share", "share", (v) => `${(v * 100).toFixed(1)}%`],
        ],
        log,
      );
    }
    writeResults(`profile-${cfg.name}-${workload.key}`, { rows, top, lines, result, seconds });
    return rows;
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runProfile(process.argv[2] ?? "write", process.argv[3] ?? "a");
}
