/**
 * The soak's report: requests by outcome, faults posted and faults seen to take effect,
 * kills, recovery times, what the run covered and each invariant's verdict. The coverage
 * requirements (coverage.mjs) are recorded as checks, so a run that exercised too little
 * fails like one that broke an invariant.
 */
import { requirements, statsOf } from "./coverage.mjs";

const COVERAGE = "coverage: ";

export function printReport({ ledger, chaos, final, seconds, seed, log }) {
  const stats = statsOf({ ledger, chaos, seconds });
  const required = requirements(stats);
  for (const r of required) ledger.check(`${COVERAGE}${r.name}`, r.ok, () => r.figures);

  const total = [...ledger.outcomes.values()].reduce((a, b) => a + b, 0);
  console.log(`\n=== soak report (seed ${seed}, ${seconds} s of faults) ===`);
  console.log(`answers: ${total}`);
  const byAction = new Map();
  for (const [key, n] of ledger.outcomes) {
    const [action, status] = key.split(" ");
    const row = byAction.get(action) ?? {};
    row[status] = n;
    byAction.set(action, row);
  }
  for (const [action, row] of [...byAction].sort()) {
    const cells = Object.entries(row)
      .sort()
      .map(([status, n]) => `${status}:${n}`)
      .join("  ");
    console.log(`  ${action.padEnd(13)} ${cells}`);
  }
  const byCode = new Map();
  for (const [key, n] of ledger.codes) {
    const [, status, code] = key.split(" ");
    byCode.set(`${status} ${code}`, (byCode.get(`${status} ${code}`) ?? 0) + n);
  }
  console.log("refusals by code:");
  for (const [code, n] of [...byCode].sort()) console.log(`  ${code.padEnd(30)} ${n}`);
  console.log("skus (sold against what the answers imply: confirmed seen + unknown outcome):");
  for (const v of final.skuViews) {
    console.log(
      `  ${v.sku.padEnd(16)} stock ${String(v.stock).padEnd(5)} held ${v.held}  sold ${v.sold} in [${v.low}, ${v.high}]`,
    );
  }
  console.log("faults posted (201):");
  for (const [kind, n] of [...chaos.faults].sort()) console.log(`  ${kind.padEnd(26)} ${n}`);
  console.log("faults seen to take effect:");
  const { faults, armed, fired, logged, restarts, unreadWindows, downOutsideCrashLoops } =
    chaos.effects;
  for (const service of Object.keys(faults)) {
    console.log(
      `  ${`crash (${service})`.padEnd(26)} ${fired[service]} of ${faults[service]} fired (${armed[service]} crashes armed); between faults ${logged[service]} crashes logged, ${restarts[service]} restarts counted by supervision`,
    );
  }
  if (unreadWindows > 0) console.log(`  (${unreadWindows} windows without a supervision view)`);
  const down = chaos.crashLoops.filter((l) => l.downAfterMs !== null).length;
  console.log(
    `  ${"crash-loop (inventory)".padEnd(26)} ${down} of ${chaos.crashLoops.length} took inventory down (/readyz degraded)`,
  );
  console.log(
    `  ${"kill -9 (runtime)".padEnd(26)} ${chaos.kills.performed} of ${chaos.kills.asked} asked silenced the runtime`,
  );
  const internal = [...ledger.outcomes]
    .filter(([key]) => key.endsWith(" 500"))
    .map(([key, n]) => `${key.split(" ")[0]} ${n}`);
  console.log(`  ${"500 answers".padEnd(26)} ${internal.join(", ") || "none"}`);
  console.log(`  ${"503 overloaded".padEnd(26)} ${byCode.get("503 overloaded") ?? 0}`);
  console.log(`  ${"down outside crash loops".padEnd(26)} ${downOutsideCrashLoops}`);
  console.log("time to recover:");
  for (const r of chaos.recoveries) console.log(`  ${r.what.padEnd(16)} ${r.ms} ms`);
  console.log(`  orders final     ${final.finalMs} ms after faults were cleared`);
  console.log("durability re-reads (acked holds and orders read back):");
  for (const r of ledger.durability) {
    console.log(
      `  ${r.label.padEnd(16)} ${r.holds} holds, ${r.orders} orders, ${r.unanswered} without a definite answer`,
    );
  }
  console.log("coverage (the run fails unless it exercised each):");
  for (const r of required)
    console.log(`  ${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(38)} ${r.figures}`);
  console.log("invariants:");
  let checks = 0;
  for (const [name, c] of [...ledger.checks].sort()) {
    if (name.startsWith(COVERAGE)) continue;
    checks += c.passed + c.failed;
    console.log(
      `  ${c.failed === 0 ? "ok  " : "FAIL"} ${name.padEnd(30)} ${c.passed} passed, ${c.failed} failed`,
    );
  }
  for (const v of ledger.violations) console.log(`  violation: ${v}`);
  log(
    ledger.violations.length === 0
      ? `PASS: no invariant violated (${checks} checks) and every coverage requirement met`
      : `FAIL: ${ledger.violations.length} violation(s)`,
  );
}
