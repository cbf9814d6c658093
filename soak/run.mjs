/**
 * `npm run soak [-- --seconds N --skus N --stock N --concurrency N --kills N --seed N]`:
 * the chaos soak. Starts `wrangler dev` on loopback (own temporary `--persist-to`), runs the
 * mixed workload and the faults together for `--seconds` (default 180), then lets the
 * system settle and checks the invariants. Prints a report; exits 1 on any violation.
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
const stock = Number(args.stock);
let exitCode = 1;

try {
  log(
    `seed ${seed}: ${seconds} s, ${skus.length} skus × ${stock}, ${kills} kill(s), state in ${persistTo}`,
  );
  await runtime.start();
  for (const sku of skus) {
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
    log(
      `${Math.round((Date.now() - startedAt) / 1000)} s: ${requests} answers, ${ledger.violations.length} violations`,
    );
  }, 15_000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  faults.stop();
  await faulting;
  await call("DELETE", "/v1/ops/faults", { admin: true });
  load.stop();
  await working;
  clearInterval(progress);
  log("faults stopped; settling");
  await faults.waitReady();
  await faults.checkDurable(ledger.epoch + 1);
  const final = await finalChecks({
    call,
    ledger,
    skus,
    stock,
    finalBoundMs: Number(args["final-bound-seconds"]) * 1000,
    holdTtlMs: MAX_TTL_SECONDS * 1000,
    log,
  });
  printReport({ ledger, faults, final, seconds, seed, log });
  exitCode = ledger.violations.length === 0 ? 0 : 1;
} catch (error) {
  console.error(`soak could not run: ${error.stack ?? error}\n${runtime.output()}`);
  exitCode = 2;
} finally {
  await runtime.kill9();
  if (!args["keep-state"]) rmSync(persistTo, { recursive: true, force: true });
}
process.exit(exitCode);
