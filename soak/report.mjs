/** The soak's report: requests by outcome, faults, kills, recovery times, invariant verdicts. */
export function printReport({ ledger, faults, final, seconds, seed, log }) {
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
  console.log("faults injected:");
  for (const [kind, n] of [...faults.faults].sort()) console.log(`  ${kind.padEnd(26)} ${n}`);
  console.log("time to recover:");
  for (const r of faults.recoveries) console.log(`  ${r.what.padEnd(16)} ${r.ms} ms`);
  console.log(`  orders final     ${final.finalMs} ms after faults stopped`);
  console.log("invariants:");
  for (const [name, c] of [...ledger.checks].sort()) {
    console.log(
      `  ${c.failed === 0 ? "ok  " : "FAIL"} ${name.padEnd(30)} ${c.passed} passed, ${c.failed} failed`,
    );
  }
  for (const v of ledger.violations) console.log(`  violation: ${v}`);
  log(
    ledger.violations.length === 0
      ? "PASS: no invariant violated"
      : `FAIL: ${ledger.violations.length} violation(s)`,
  );
}
