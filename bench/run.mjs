/**
 * `npm run bench [-- overhead|overload|supervision|fanout|hotsku ...]`: runs the selected benches in
 * order (default: overhead, overload, supervision, fanout, then hotsku). Each prints its table and ratios and writes
 * bench/results/<name>.json. A missed target only changes the exit code with BENCH_STRICT=1;
 * a bench that could not run at all (a server that would not start) always does.
 */
import { runFanout } from "./fanout/index.mjs";
import { runHotSku } from "./hotsku/index.mjs";
import { runOverhead } from "./overhead/index.mjs";
import { runOverload } from "./overload/index.mjs";
import { runSupervision } from "./supervision/index.mjs";

const BENCHES = {
  overhead: runOverhead,
  overload: runOverload,
  supervision: runSupervision,
  fanout: runFanout,
  hotsku: runHotSku,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(
    `unknown bench: ${unknown.join(", ")} (choose from: ${Object.keys(BENCHES).join(", ")})`,
  );
  process.exit(2);
}

let failed = false;
for (const name of asked.length > 0 ? asked : Object.keys(BENCHES)) {
  console.log(`\n=== ${name} ===`);
  try {
    const results = await BENCHES[name]();
    if (process.env.BENCH_STRICT === "1" && !results.pass) failed = true;
  } catch (error) {
    console.error(`${name}: could not run: ${error.stack ?? error}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
