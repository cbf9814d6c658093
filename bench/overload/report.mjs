import { fixed, printTable, verdict } from "../lib/table.mjs";

/** DESIGN "Performance targets", Overload. */
export const TARGETS = { goodputMin: 0.9, admittedP99Max: 2, refusalP99MaxMs: 50 };

/** The DESIGN targets for the regulated run, and whether the unregulated run collapsed. */
export function judge(on, off) {
  const targets = {
    goodput: {
      target: `goodput >= ${TARGETS.goodputMin} × capacity`,
      value: on.goodputRatio,
      pass: on.goodputRatio >= TARGETS.goodputMin,
    },
    admittedP99: {
      target: `admitted p99 <= ${TARGETS.admittedP99Max} × unloaded p99`,
      value: on.admittedP99Ratio,
      pass: on.admittedP99Ratio !== null && on.admittedP99Ratio <= TARGETS.admittedP99Max,
    },
    refusalP99: {
      target: `refusal (503) p99 < ${TARGETS.refusalP99MaxMs} ms`,
      value: on.refused.p99,
      pass: on.refused.count === 0 ? null : on.refused.p99 < TARGETS.refusalP99MaxMs,
    },
    lost: {
      target: "0 acknowledged holds lost (both modes)",
      value: on.audit.lost + off.audit.lost,
      pass: on.audit.lost + off.audit.lost === 0,
    },
    retryAfter: {
      target: "every 503 of the regulated run carries Retry-After (docs/api.md)",
      value: on.refusedWithoutRetryAfter,
      pass: on.refusedWithoutRetryAfter === 0,
    },
  };
  const collapse =
    off.timelyGoodputRatio < TARGETS.goodputMin ||
    off.admittedP99Ratio === null ||
    off.admittedP99Ratio > TARGETS.admittedP99Max ||
    off.timeouts > 0;
  return { targets, collapseShown: collapse };
}

/** Prints the comparison table, the lost-hold audit and a PASS/FAIL line per target. */
export function report(opts, choice, on, off, verdicts, log) {
  const rows = [on, off].map((r) => ({
    mode: `regulation ${r.mode}`,
    offered: r.offered,
    sent: r.sendRate,
    goodput: r.goodput,
    ratio: r.goodputRatio,
    timely: r.timelyGoodputRatio,
    unP50: r.unloaded.p50,
    unP99: r.unloaded.p99,
    adP50: r.admitted.p50,
    adP99: r.admitted.p99,
    adRatio: r.admittedP99Ratio,
    refused: r.refused.count,
    reP99: r.refused.p99,
    reMax: r.refused.max,
    timeouts: r.timeouts + r.errors,
    lost: r.audit.lost,
  }));
  const fmt3 = fixed(3);
  log("");
  const measured = choice.shardCapacity?.measured ?? "?";
  const work = choice.serviceTimeMs
    ? `simulated work W = ${choice.serviceTimeMs} ms/command (unregulated it served ${measured}/s)`
    : "no simulated work";
  log(
    `Overload — one shard regulated at R = ${choice.capacity}/s, ${work}; offered ${opts.factor}×R = ${choice.capacity * opts.factor}/s for ${opts.seconds} s`,
  );
  printTable(
    rows,
    [
      ["mode", "mode"],
      ["offered", "offered/s"],
      ["sent", "sent/s", fixed(1)],
      ["goodput", "2xx/s", fixed(1)],
      ["ratio", "2xx/R", fmt3],
      ["timely", "timely/R", fmt3],
      ["unP50", "unl p50"],
      ["unP99", "unl p99"],
      ["adP50", "adm p50"],
      ["adP99", "adm p99"],
      ["adRatio", "p99/unl", fmt3],
      ["refused", "503s"],
      ["reP99", "503 p99"],
      ["reMax", "503 max"],
      ["timeouts", "t/o+err"],
      ["lost", "lost"],
    ],
    log,
  );
  log(
    "(latencies in ms; 'timely' = 2xx answered within 2 × unloaded p99 of that server, per second, over R)",
  );
  log("");
  for (const r of [on, off]) {
    const a = r.audit;
    log(
      `audit (${r.mode}): ${a.created201} × 201 seen, ${a.distinctHoldIds} distinct holdIds read back, ${a.lost} not active (lost), ${a.unverifiable} without an id; SKU held = ${a.held}, held without a 201 seen ${a.unacknowledged}`,
    );
  }
  log("");
  for (const t of Object.values(verdicts.targets))
    log(`${verdict(t.pass)}  ${t.target}: ${t.value}`);
  log(
    `${verdicts.collapseShown ? "yes " : "no  "} regulation off shows the collapse (timely goodput < ${TARGETS.goodputMin} R, admitted p99 > ${TARGETS.admittedP99Max}× unloaded, or timeouts)`,
  );
  if (!verdicts.collapseShown && !choice.serviceTimeMs) {
    log(
      "     Without simulated work the shard's real capacity is the machine's " +
        `(≈ ${measured}/s measured) and ${choice.capacity * opts.factor}/s may not exceed it: R is then a token-bucket setting, not a real limit.`,
    );
  }
}
