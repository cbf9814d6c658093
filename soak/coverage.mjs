/**
 * What a run must have exercised before its verdict means anything. A run in which every
 * request got 503 violates no invariant — it checks none. So the report fails unless the
 * workload was answered, the kills and the crash loop happened and were seen to bite, the
 * durability re-reads got answers, and stock ran out under contention.
 *
 * The floors are far below what a healthy run on a loaded two-core machine does (a 45 s run
 * accepts thousands of holds and hundreds of orders — the report prints the figures) and far
 * above what a run that mostly failed does; they scale with the run's length.
 */

export const FLOORS = {
  /**
   * Accepted holds and orders per second of faults. Six loops do tens of requests a second
   * even on a busy machine; a floor of 2 holds and 0.5 orders a second trips only when most
   * of the run was refused (a service down for good, a runtime that never came back).
   */
  holdsPerSecond: 2,
  ordersPerSecond: 0.5,
  /** Orders seen confirmed, per second: rejected orders alone test only the rejection path. */
  confirmedOrdersPerSecond: 0.25,
  /**
   * Acked holds and orders each kill must re-read: with 20, a kill that lost one acked write
   * in ten goes unseen less than once in eight runs (0.9^20); a healthy run re-reads hundreds.
   */
  holdsPerKill: 20,
  ordersPerKill: 5,
  /**
   * Durability re-reads left without an answer (after retries), per hundred: injected faults
   * never touch reads (docs/api.md), so an unanswered read is a lost runtime or a real bug;
   * 1 % tolerates an isolated client timeout on a loaded machine and rounds down, so a run
   * that re-reads fewer than 100 records must answer every one.
   */
  unansweredPerHundred: 1,
  /** Holds refused `409 insufficient-stock`: the small skus did run out under contention. */
  insufficientStock: 5,
  /**
   * Share of the random inventory crash faults that must fire. Aimed at a sku's shard, each
   * fires within a second unless the service is down at that moment (random crashes can
   * exceed the restart intensity); aimed at a random one of 16 shards, two in three would
   * never fire (6 skus use at most 6 shards).
   */
  firedShare: 0.5,
};

/** Invariants every run must have checked at least once (the others depend on luck). */
export const MUST_RUN = [
  "no-oversell",
  "available-consistent",
  "acked-survives-kill",
  "idempotent-replay-identical",
  "order-replay-same-order",
  "accepted-orders-final",
  "counters-match-answers",
  "sold-within-answers",
];

/**
 * @typedef {{ label: string, holds: number, orders: number, unanswered: number, missed: string[] }} Round
 * @typedef {{
 *   seconds: number,
 *   holdsAccepted: number,
 *   ordersAccepted: number,
 *   ordersConfirmed: number,
 *   kills: { asked: number, performed: number },
 *   crashLoops: { armed: boolean, downAfterMs: number | null }[],
 *   durability: Round[],
 *   insufficientStock: { holds: number, orders: number },
 *   viewsAtZero: number,
 *   inventoryCrashes: { faults: number, fired: number },
 *   ran: Record<string, number>,
 * }} Stats
 * @typedef {{ name: string, ok: boolean, figures: string }} Requirement
 */

/**
 * The figures the requirements are judged on, from the ledger and the chaos.
 * @param {{ ledger: any, chaos: any, seconds: number }} run
 * @returns {Stats}
 */
export function statsOf({ ledger, chaos, seconds }) {
  const orders = [...ledger.orders.values()];
  /** @type {(prefix: string, status: number, name: string) => number} */
  const code = (prefix, status, name) =>
    [...ledger.codes]
      .filter(([key]) => key.startsWith(prefix) && key.endsWith(` ${status} ${name}`))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    seconds,
    holdsAccepted: ledger.holds.size,
    ordersAccepted: orders.filter((o) => o.accepted).length,
    ordersConfirmed: orders.filter((o) => o.seen.includes("confirmed")).length,
    kills: { ...chaos.kills },
    crashLoops: chaos.crashLoops.map((/** @type {any} */ l) => ({ ...l })),
    durability: ledger.durability.map((/** @type {Round} */ r) => ({
      ...r,
      missed: [...r.missed],
    })),
    insufficientStock: {
      holds: code("hold ", 409, "insufficient-stock"),
      orders: code("order", 409, "insufficient-stock"),
    },
    viewsAtZero: ledger.viewsAtZero,
    inventoryCrashes: {
      faults: chaos.effects.faults.inventory,
      fired: chaos.effects.fired.inventory,
    },
    ran: Object.fromEntries([...ledger.checks].map(([name, c]) => [name, c.passed + c.failed])),
  };
}

/**
 * Each requirement: `{ name, ok, figures }`; the run fails unless every one is ok.
 * @param {Stats} stats
 * @returns {Requirement[]}
 */
export function requirements(stats) {
  const s = stats.seconds;
  /** @type {(perSecond: number) => number} */
  const atLeast = (perSecond) => Math.ceil(perSecond * s);
  /** @type {Requirement[]} */
  const out = [];
  /** @type {(name: string, ok: boolean, figures: string) => void} */
  const need = (name, ok, figures) => {
    out.push({ name, ok, figures });
  };

  need(
    "holds accepted",
    stats.holdsAccepted >= atLeast(FLOORS.holdsPerSecond),
    `${stats.holdsAccepted} (≥ ${atLeast(FLOORS.holdsPerSecond)})`,
  );
  need(
    "orders accepted",
    stats.ordersAccepted >= atLeast(FLOORS.ordersPerSecond) &&
      stats.ordersConfirmed >= atLeast(FLOORS.confirmedOrdersPerSecond),
    `${stats.ordersAccepted} (≥ ${atLeast(FLOORS.ordersPerSecond)}), ${stats.ordersConfirmed} seen confirmed (≥ ${atLeast(FLOORS.confirmedOrdersPerSecond)})`,
  );
  need(
    "kills performed",
    stats.kills.asked >= 1 && stats.kills.performed === stats.kills.asked,
    `${stats.kills.performed} of ${stats.kills.asked} asked`,
  );
  const armed = stats.crashLoops.filter((l) => l.armed);
  const down = armed.filter((l) => l.downAfterMs !== null);
  need(
    "crash loop took inventory down",
    armed.length >= 1 && armed.length === stats.crashLoops.length && down.length === armed.length,
    `${stats.crashLoops.length} crash loop(s), ${armed.length} armed, ${down.length} seen down on /readyz${
      down.length > 0 ? ` (after ${down.map((l) => `${l.downAfterMs} ms`).join(", ")})` : ""
    }`,
  );
  const killRounds = stats.durability.filter((r) => r.label !== "final");
  const thin = killRounds.filter(
    (r) => r.holds < FLOORS.holdsPerKill || r.orders < FLOORS.ordersPerKill,
  );
  need(
    "acked answers re-read after each kill",
    killRounds.length === stats.kills.performed && killRounds.length >= 1 && thin.length === 0,
    killRounds.length === 0
      ? "no kill re-read anything"
      : `${killRounds.map((r) => `${r.label}: ${r.holds} holds, ${r.orders} orders`).join("; ")} (≥ ${FLOORS.holdsPerKill} holds, ≥ ${FLOORS.ordersPerKill} orders each)`,
  );
  const reads = stats.durability.reduce((n, r) => n + r.holds + r.orders, 0);
  const unanswered = stats.durability.reduce((n, r) => n + r.unanswered, 0);
  const allowed = Math.floor((reads * FLOORS.unansweredPerHundred) / 100);
  const missed = stats.durability.flatMap((r) => r.missed).slice(0, 3);
  need(
    "durability re-reads answered",
    reads > 0 && unanswered <= allowed,
    `${reads} read, ${unanswered} without a definite answer (≤ ${allowed})${
      missed.length > 0 ? `: ${missed.join("; ")}` : ""
    }`,
  );
  need(
    "stock ran out under contention",
    stats.insufficientStock.holds >= FLOORS.insufficientStock && stats.viewsAtZero >= 1,
    `${stats.insufficientStock.holds} holds (≥ ${FLOORS.insufficientStock}) and ${stats.insufficientStock.orders} orders refused insufficient-stock; no-oversell checked on ${stats.viewsAtZero} views at available 0 (≥ 1)`,
  );
  const { faults, fired } = stats.inventoryCrashes;
  const enough = Math.max(1, Math.ceil(faults * FLOORS.firedShare));
  need(
    "inventory crash faults fired",
    faults >= 1 && fired >= enough,
    `${fired} of ${faults} fired (≥ ${enough}): a crash logged within 5 s`,
  );
  const idle = MUST_RUN.filter((name) => !((stats.ran[name] ?? 0) > 0));
  need(
    "every invariant checked",
    idle.length === 0,
    idle.length === 0
      ? `${Object.values(stats.ran).reduce((a, b) => a + b, 0)} checks`
      : `never checked: ${idle.join(", ")}`,
  );
  return out;
}
