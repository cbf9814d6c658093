/**
 * `npm run soak [-- --seconds N --skus N --stock N --small-skus N --small-stock N
 * --concurrency N --kills N --seed N]`: the chaos soak. Starts `wrangler dev` on loopback (own
 * temporary `--persist-to`), runs the mixed workload and the faults together for `--seconds`
 * (default 180), then lets the system settle and checks the invariants. `--small-skus` of the
 * skus (default a third) get `--small-stock` units, so they run out under contention. Prints
 * a report; exits 1 on any violation or if the run exercised too little (coverage.mjs), 2 if
 * it could not run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chaos } from "./chaos.mjs";
import { ADMIN_TOKEN, makeClient } from "./client.mjs";
import { finalChecks } from "./final-checks.mjs";
import { Ledger } from "./ledger.mjs";
import { printReport } from "./report.mjs";
import { Runtime } from "./runtime.mjs";
import { MAX_TTL_SECONDS, workload } from "./workload.mjs";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "180" },
    skus: { type: "string", default: "6" },
    stock: { type: "string", default: "5000" },
    "small-skus": { type: "string" },
    "small-stock": { type: "string", default: "20" },
    concurrency: { type: "string", default: "6" },
    kills: { type: "string" },
    seed: { type: "string" },
    "final-bound-seconds": { type: "string", default: "90" },
    "keep-state": { type: "boolean", default: false },
  },
});
const seconds = Number(args.seconds);
const kills =
  args.kills === undefined
    ? Math.max(1, Math.min(5, Math.floor(seconds / 40)))
    : Number(args.kills);
if (!(kills >= 1)) {
  console.error("--kills must be at least 1: a run without a kill checks no durability");
  process.exit(2);
}
const seed = args.seed === undefined ? Date.now() % 1_000_000 : Number(args.seed);

/** mulberry32: a seeded generator, so a failing run can be replayed with `--seed`. */
function seeded(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const log = (line) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);
const rng = seeded(seed);
const persistTo = mkdtempSync(join(tmpdir(), "bulwark-soak-"));
const runtime = new Runtime({
  persistTo,
  vars: {
    ADMIN_TOKEN,
    FAULT_INJECTION: "on",
    RATE_LIMIT_PER_MINUTE: "10000000",
    HOLD_MAX_UNITS_PER_CLIENT: "1000000000",
    ORDERS_RESUME_MS: "300",
    QUEUE_RETRY_BASE_MS: "200",
    ORDERS_INTAKE_SAFETY_MS: "10000",
    DOWN_RECOVERY_MS: "5000",
  },
});
const call = makeClient(runtime);
const ledger = new Ledger();
const skus = Array.from({ length: Number(args.skus) }, (_, i) => `soak-${seed}-${i}`);
const smallSkus =
  args["small-skus"] === undefined ? Math.ceil(skus.length / 3) : Number(args["small-skus"]);
/** The first `smallSkus` skus get the small stock: holds of 1–3 units exhaust it in seconds. */
const stockOf = new Map(
  skus.map((sku, i) => [sku, i < smallSkus ? Number(args["small-stock"]) : Number(args.stock)]),
);
let exitCode = 1;

try {
  log(
    `seed ${seed}: ${seconds} s, ${skus.length} skus (${[...stockOf.values()].join(", ")} units), ${kills} kill(s), state in ${persistTo}`,
  );
  await runtime.start();
  for (const [sku, stock] of stockOf) {
    const r = await call("PUT", `/v1/skus/${sku}`, { body: { stock }, admin: true });
    if (r.status !== 200) throw new Error(`seeding ${sku} answered ${r.status}: ${r.text}`);
  }
  const load = workload({ call, ledger, skus, rng, runtime });
  const faults = chaos({ call, ledger, skus, rng, runtime, seconds, kills, log });
  const startedAt = Date.now();
  const working = load.start(Number(args.concurrency));
  const faulting = faults.run();
  const progress = setInterval(() => {
    const requests = [...ledger.outcomes.values()].reduce((a, b) => a + b, 0);
    const orders = [...ledger.orders.values()].filter((o) => o.accepted).length;
    log(
      `${Math.round((Date.now() - startedAt) / 1000)} s: ${requests} answers (${ledger.holds.size} holds, ${orders} orders accepted), ${ledger.violations.length} violations`,
    );
  }, 15_000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  faults.stop();
  await faulting;
  // The final bound runs from here: every fault cleared.
  for (let attempt = 1; ; attempt++) {
    const cleared = await call("DELETE", "/v1/ops/faults", { admin: true });
    if (cleared.status === 200) break;
    if (attempt >= 60) throw new Error(`clearing the faults answered ${cleared.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const faultsClearedAt = Date.now();
  load.stop();
  await working;
  const loadStoppedAt = Date.now();
  clearInterval(progress);
  log("faults stopped; settling");
  await faults.waitReady();
  const final = await finalChecks({
    call,
    ledger,
    skus,
    stockOf,
    finalBoundMs: Number(args["final-bound-seconds"]) * 1000,
    faultsClearedAt,
    loadStoppedAt,
    holdTtlMs: MAX_TTL_SECONDS * 1000,
    checkDurable: () => faults.checkDurable(ledger.epoch + 1),
    log,
  });
  printReport({ ledger, chaos: faults, final, seconds, seed, log });
  exitCode = ledger.violations.length === 0 ? 0 : 1;
} catch (error) {
  console.error(`soak could not run: ${error.stack ?? error}\n${runtime.output()}`);
  exitCode = 2;
} finally {
  await runtime.kill9();
  if (!args["keep-state"]) rmSync(persistTo, { recursive: true, force: true });
}
process.exit(exitCode);
