import { pathToFileURL } from "node:url";
import { medianInterval } from "../lib/interval.mjs";
import { runLoad } from "../lib/load.mjs";
import { sliceOrder } from "../lib/order.mjs";
import { envNumber } from "../lib/settings.mjs";
import { round } from "../lib/stats.mjs";
import { fixed, printTable } from "../lib/table.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { CONFIGS, SKU, WORKLOADS } from "./configs.mjs";
import { seedAndCheck } from "./seed.mjs";

/**
 * Builds side by side: what a change costs or saves, measured the one way this shared machine
 * allows — against bare, in the same run. Each build named on the command line
 * (`name=<wrangler config>`; a config in another checkout is another revision, e.g. after
 * `git worktree add /tmp/before <rev> && ln -s "$PWD/node_modules" /tmp/before/`, pass
 * `before=/tmp/before/wrangler.toml`) runs beside bare with the product's bench vars. Every
 * slice loads each server in turn, in a fresh seeded shuffle per slice (`sliceOrder`, as
 * `index.mjs` does: no server always follows the same one); a build's figure is the
 * median over slices of its throughput over bare's in the same slice, so drift between
 * slices cancels out. Not a verdict on the targets (that is `index.mjs`): a tool for deciding
 * whether a change is worth keeping.
 *
 *   node bench/overhead/compare.mjs [write|read] name=config [name=config ...]
 *
 * `BENCH_SLICES` (default 10) slices of `BENCH_SLICE_SECONDS` (default 2) per server.
 */

const BARE = CONFIGS.find((c) => c.key === "b");
const PRODUCT = CONFIGS.find((c) => c.key === "a");

/** `name=config` arguments as servers, bare last (every ratio is to it). */
export function parseBuilds(args) {
  const builds = args.map((arg) => {
    const at = arg.indexOf("=");
    if (at <= 0 || at === arg.length - 1) throw new Error(`expected name=config, got "${arg}"`);
    const name = arg.slice(0, at);
    if (name === "bare") throw new Error(`"bare" is the baseline every build is compared with`);
    return {
      name,
      config: arg.slice(at + 1),
      vars: PRODUCT.vars,
      seedHeaders: PRODUCT.seedHeaders,
    };
  });
  if (builds.length === 0) throw new Error("name at least one build: name=<wrangler config>");
  if (new Set(builds.map((b) => b.name)).size !== builds.length) {
    throw new Error("build names must differ");
  }
  return [
    ...builds,
    { name: "bare", config: BARE.config, vars: BARE.vars, seedHeaders: BARE.seedHeaders },
  ];
}

/**
 * Per build: the median of its per-slice throughput over bare's, the median's 95 % bootstrap
 * interval (`medianInterval`; builds whose intervals overlap are not shown to differ), and
 * the lowest and highest slice.
 */
export function summarize(slices, names) {
  return names
    .filter((name) => name !== "bare")
    .map((name) => {
      const ratios = slices.map((rps) => rps[name] / rps.bare);
      const interval = medianInterval(ratios);
      return {
        name,
        median: round(interval.median, 3),
        ciLow: round(interval.low, 3),
        ciHigh: round(interval.high, 3),
        low: round(Math.min(...ratios), 3),
        high: round(Math.max(...ratios), 3),
      };
    });
}

export async function compare(workloadKey, args, log = console.log) {
  const workload = WORKLOADS.find((w) => w.key === workloadKey);
  if (!workload) throw new Error(`workload is read or write, got "${workloadKey}"`);
  const builds = parseBuilds(args);
  const slices = envNumber("BENCH_SLICES", 10, { min: 1, integer: true });
  const seconds = envNumber("BENCH_SLICE_SECONDS", 2, { min: 0.5 });
  const servers = [];
  try {
    for (const build of builds) {
      const server = await startWranglerDev(build.config, { vars: build.vars, label: build.name });
      servers.push({ ...build, server });
      await seedAndCheck(server.url, build);
    }
    const load = (s, secs) =>
      runLoad({
        url: `${s.server.url}${workload.path(SKU)}`,
        method: workload.method,
        headers: workload.headers,
        body: workload.body,
        connections: 50,
        seconds: secs,
      });
    for (const s of servers) await load(s, 2); // warm-up, not measured
    const measured = [];
    for (let slice = 0; slice < slices; slice++) {
      const rps = {};
      for (const s of sliceOrder(servers, 1, slice)) {
        const r = await load(s, seconds);
        // A build that answers errors would only look slow: stop rather than score it.
        if (r.non2xx > 0 || r.errors > 0) {
          throw new Error(`${s.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        }
        rps[s.name] = r.rps;
      }
      measured.push(rps);
      log(
        `slice ${slice + 1}/${slices}: ${builds.map((b) => `${b.name} ${rps[b.name]}`).join("  ")}`,
      );
    }
    const rows = summarize(
      measured,
      builds.map((b) => b.name),
    );
    printTable(
      rows,
      [
        ["name", "build"],
        ["median", `${workload.key} x/bare (median of slices)`, fixed(3)],
        ["ciLow", "95 % interval from", fixed(3)],
        ["ciHigh", "to", fixed(3)],
        ["low", "lowest slice", fixed(3)],
        ["high", "highest slice", fixed(3)],
      ],
      log,
    );
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.server.stop()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [workload, ...builds] = process.argv.slice(2);
  compare(workload, builds).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
