/**
 * `npm run capacity -- --target 50000 [--utilisation 0.7] [--per-object 1000] [--hot-share 1]
 * [--table]`: prints how many shards and hot-SKU sub-shards a target load needs (the pure
 * arithmetic is core/capacity, bundled here on the fly with esbuild since Node 20 cannot
 * import TypeScript). The per-object capacity is `--per-object` when given, else the
 * product's single-object write throughput from the latest bench/results/overhead.json
 * (all of that bench's holds go to one SKU, so one object), else the platform's documented
 * limit; a plan never counts on more than that limit.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { ROOT } from "../bench/lib/wrangler-dev.mjs";

async function loadCore() {
  const out = await build({
    entryPoints: [join(ROOT, "core/capacity/index.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    logLevel: "silent",
  });
  const code = out.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}

/** The product's measured single-object write throughput, when a bench result has one. */
function measuredPerObject() {
  const path = join(ROOT, "bench/results/overhead.json");
  if (!existsSync(path)) return null;
  const results = JSON.parse(readFileSync(path, "utf8"));
  const rps = results.summary?.a?.write?.rps;
  if (typeof rps !== "number" || rps <= 0) return null;
  return {
    rps,
    source: `measured: product writes on one object, ${path} of ${results.finishedAt}`,
  };
}

function number(name, raw, fallback) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${raw}"`);
  return value;
}

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    utilisation: { type: "string" },
    "per-object": { type: "string" },
    "hot-share": { type: "string" },
    table: { type: "boolean", default: false },
  },
});

try {
  const core = await loadCore();
  const given = number("per-object", values["per-object"], undefined);
  const measured = given === undefined ? measuredPerObject() : null;
  const perObjectRps = given ?? measured?.rps;
  const source =
    given !== undefined
      ? "given with --per-object"
      : (measured?.source ?? "no measurement: bench/results/overhead.json not found");
  const input = {
    utilisation: number("utilisation", values.utilisation, 0.7),
    perObjectRps,
    hotShare: number("hot-share", values["hot-share"], 1),
  };
  console.log(
    `platform limit: ${core.PLATFORM_OBJECT_LIMIT_RPS} req/s per object (Cloudflare Durable Objects limits, soft limit per individual object)`,
  );
  if (values.table) {
    for (const line of core.planTable([1000, 10_000, 50_000, 100_000], input)) console.log(line);
  } else {
    const targetRps = number("target", values.target, undefined);
    if (targetRps === undefined) throw new Error("--target <req/s> is required (or --table)");
    const plan = core.planCapacity({ ...input, targetRps });
    for (const line of core.formatPlan(plan, source)) console.log(line);
  }
} catch (error) {
  console.error(`capacity: ${error.message}`);
  process.exitCode = 2;
}
