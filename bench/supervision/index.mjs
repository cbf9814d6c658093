import { pathToFileURL } from "node:url";
import { envNumber, machine, strict, writeResults } from "../lib/settings.mjs";
import { round } from "../lib/stats.mjs";
import { printTable, verdict } from "../lib/table.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";

/**
 * Supervision at scale (DESIGN "Performance targets"): a supervisor holding 100, 1,000 and
 * 10,000 dynamic children, in one `wrangler dev`, one run. At each size it times K starts,
 * K terminations, K deletions (of the children it just started), K counts and K pages of
 * `whichChildren`, inside the Worker next to the supervisor, and prints operations per
 * second. The verdict is the ratio ops/s at the largest size over ops/s at the smallest, per
 * operation: near 1 means the cost does not grow with the child count.
 */

const OPS = ["start", "terminate", "delete", "count", "list"];
/**
 * The same sizes for a `simple_one_for_one` supervisor of entities (`runtime/entity/`): N
 * active entities listed by `childActivated`, then K activations of new ones, K passivations
 * of those, K crash reports of listed ones (each a restart: one row and one start), counts
 * and pages.
 */
const ENTITY_OPS = ["activate", "passivate", "crash", "count", "list"];
/** Children added per `/fill` request (each is a supervisor call plus a child start). */
const FILL_CHUNK = 250;

function settings() {
  const sizes = (process.env.BENCH_SUPERVISION_SIZES ?? "100,1000,10000").split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`BENCH_SUPERVISION_SIZES must be positive integers, got "${sizes}"`);
  }
  return {
    sizes,
    ops: envNumber("BENCH_SUPERVISION_OPS", 200, { min: 1, integer: true }),
    minRatio: envNumber("BENCH_SUPERVISION_MIN_RATIO", 0.5, { min: 0 }),
  };
}

async function call(url, timeoutMs = 120_000) {
  const res = await fetch(url, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Fills supervisor `sup` to `size` children, then times each operation `ops` times. */
async function level(server, size, ops, mode = "children") {
  const sup = `bench-${mode}-${size}`;
  await call(`${server.url}/setup?sup=${sup}&mode=${mode}`);
  for (let from = 0; from < size; from += FILL_CHUNK) {
    const to = Math.min(size, from + FILL_CHUNK);
    const counts = await call(`${server.url}/fill?sup=${sup}&mode=${mode}&from=${from}&to=${to}`);
    const filled = mode === "entities" ? counts.active : counts.specs;
    if (filled !== to) throw new Error(`${sup}: ${filled} children after filling to ${to}`);
  }
  const row = { size };
  for (const op of mode === "entities" ? ENTITY_OPS : OPS) {
    const q = new URLSearchParams({ sup, op, ops: String(ops), size: String(size), round: "1" });
    const result = await call(`${server.url}/measure?${q}`);
    row[op] = result.ms > 0 ? round((ops * 1000) / result.ms, 0) : null;
  }
  return row;
}

/** Prints one size table and its flatness ratios; answers the ratios and whether all pass. */
function report(what, rows, ops, minRatio) {
  const [first, last] = [rows[0], rows.at(-1)];
  const ratios = Object.fromEntries(
    ops.map((op) => [op, first[op] && last[op] ? round(last[op] / first[op], 2) : null]),
  );
  console.log(
    `\noperations per second with N ${what} (inside the Worker, one supervisor per size):`,
  );
  printTable(rows, [["size", what], ...ops.map((op) => [op, op])]);
  console.log(`\nratio ops/s at ${last.size} over ops/s at ${first.size} ${what} (1 = flat):`);
  printTable(
    [{ size: `${last.size}/${first.size}`, ...ratios }],
    [["size", "sizes"], ...ops.map((op) => [op, op])],
  );
  return { ratios, pass: ops.every((op) => ratios[op] !== null && ratios[op] >= minRatio) };
}

export async function runSupervision() {
  const opts = settings();
  console.log(`supervision: ${opts.ops} of each operation at ${opts.sizes.join(", ")} children`);
  const server = await startWranglerDev("bench/supervision/worker/wrangler.toml", {
    label: "supervision",
  });
  const rows = [];
  const entityRows = [];
  try {
    for (const size of opts.sizes) {
      const started = Date.now();
      rows.push(await level(server, size, opts.ops));
      entityRows.push(await level(server, size, opts.ops, "entities"));
      console.log(
        `  ${size} children and entities: filled and measured in ${round((Date.now() - started) / 1000, 1)} s`,
      );
    }
  } finally {
    await server.stop();
  }
  const ratios = report("children", rows, OPS, opts.minRatio);
  const entityRatios = report("active entities", entityRows, ENTITY_OPS, opts.minRatio);
  const pass = ratios.pass && entityRatios.pass;
  console.log(`\nverdict (every ratio >= ${opts.minRatio}): ${verdict(pass)}`);
  console.log(
    "The machine is shared: absolute figures are noise, the ratios within one run are the result.",
  );
  const path = writeResults("supervision", {
    settings: opts,
    machine: machine(),
    rows,
    ratios: ratios.ratios,
    entityRows,
    entityRatios: entityRatios.ratios,
    pass,
  });
  console.log(`results: ${path}`);
  return { pass };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { pass } = await runSupervision();
  process.exitCode = strict() && !pass ? 1 : 0;
}
