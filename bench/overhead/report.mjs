import { median, round } from "../lib/stats.mjs";
import { fixed, printTable, verdict } from "../lib/table.mjs";

/** DESIGN "Performance targets", runtime overhead: the product (a) against the bare read (b). */
export const TARGETS = { throughputRatioMin: 0.85, p99RatioMax: 1.3, visibilityRatioMin: 0.97 };

const ratio = (x, y) => (x === null || y === null || !y ? null : round(x / y, 3));
const medianOf = (values) => (values.length ? median(values) : null);

/** Median over rounds of each metric, per configuration (failed samples left out). */
function summarize(configs, samples) {
  const summary = {};
  for (const { key, name, what } of configs) {
    const good = samples.filter((s) => s.config === key && !s.error);
    const mid = (metric, digits) => {
      const m = medianOf(good.map((s) => s[metric]));
      return m === null ? null : round(m, digits);
    };
    summary[key] = {
      name,
      what,
      samples: good.length,
      rps: mid("rps", 1),
      p50: mid("p50", 2),
      p99: mid("p99", 2),
      non2xx: good.reduce((n, s) => n + s.non2xx, 0),
      errors: good.reduce((n, s) => n + s.errors, 0),
    };
  }
  return summary;
}

/** a/b and c/b of throughput and p99, and a/d (visibility on/off), from one set of figures. */
const ratiosOf = (a, b, c, d) => ({
  throughputAD: a && d ? ratio(a.rps, d.rps) : null,
  p99AD: a && d ? ratio(a.p99, d.p99) : null,
  throughputAB: a && b ? ratio(a.rps, b.rps) : null,
  throughputCB: c && b ? ratio(c.rps, b.rps) : null,
  p99AB: a && b ? ratio(a.p99, b.p99) : null,
  p99CB: c && b ? ratio(c.p99, b.p99) : null,
});

/**
 * The headline ratios (of the per-configuration medians), the same ratios per round (samples
 * seconds apart, so they show drift) and their median as a cross-check, and the verdicts.
 */
export function analyze(configs, samples, rounds) {
  const summary = summarize(configs, samples);
  const ratios = ratiosOf(summary.a, summary.b, summary.c, summary.d);
  const perRoundRatios = [];
  for (let r = 1; r <= rounds; r++) {
    const get = (key) => samples.find((s) => s.round === r && s.config === key && !s.error);
    perRoundRatios.push({ round: r, ...ratiosOf(get("a"), get("b"), get("c"), get("d")) });
  }
  const medianOfPerRoundRatios = {};
  for (const key of Object.keys(ratios)) {
    const m = medianOf(perRoundRatios.map((r) => r[key]).filter((v) => v !== null));
    medianOfPerRoundRatios[key] = m === null ? null : round(m, 3);
  }
  const { throughputAB: t, p99AB: p, throughputAD: v } = ratios;
  const targets = {
    visibility: {
      target: `a/d >= ${TARGETS.visibilityRatioMin}`,
      value: v,
      pass: v === null ? null : v >= TARGETS.visibilityRatioMin,
    },
    throughput: {
      target: `a/b >= ${TARGETS.throughputRatioMin}`,
      value: t,
      pass: t === null ? null : t >= TARGETS.throughputRatioMin,
    },
    p99: {
      target: `p99 a/b <= ${TARGETS.p99RatioMax}`,
      value: p,
      pass: p === null ? null : p <= TARGETS.p99RatioMax,
    },
  };
  return { summary, ratios, perRoundRatios, medianOfPerRoundRatios, targets };
}

/** Prints the per-configuration table, the per-round ratios and the verdicts. */
export function report(configs, analysis, opts, log) {
  const { summary, ratios, perRoundRatios, medianOfPerRoundRatios: mid, targets } = analysis;
  log("");
  log(`Runtime overhead — ${opts.aggregate}`);
  printTable(
    configs.map(({ key }) => ({ ...summary[key], key })),
    [
      ["key", "cfg"],
      ["name", "name"],
      ["rps", "req/s", fixed(1)],
      ["p50", "p50 ms", fixed(2)],
      ["p99", "p99 ms", fixed(2)],
      ["samples", "rounds"],
      ["non2xx", "non2xx"],
      ["errors", "errors"],
    ],
    log,
  );
  log("");
  log("Per-round ratios (samples of one round are seconds apart):");
  printTable(
    perRoundRatios,
    [
      ["round", "round"],
      ["throughputAD", "tput a/d", fixed(3)],
      ["throughputAB", "tput a/b", fixed(3)],
      ["throughputCB", "tput c/b", fixed(3)],
      ["p99AB", "p99 a/b", fixed(3)],
      ["p99CB", "p99 c/b", fixed(3)],
    ],
    log,
  );
  log("");
  log(
    `throughput a/b = ${ratios.throughputAB}  (target >= ${TARGETS.throughputRatioMin})  ${verdict(targets.throughput.pass)}`,
  );
  log(
    `p99        a/b = ${ratios.p99AB}  (target <= ${TARGETS.p99RatioMax})  ${verdict(targets.p99.pass)}`,
  );
  log(
    `visibility on/off: throughput a/d = ${ratios.throughputAD}  (target >= ${TARGETS.visibilityRatioMin}: visibility costs <= 3 %)  ${verdict(targets.visibility.pass)};  p99 a/d = ${ratios.p99AD}`,
  );
  log(`throughput c/b = ${ratios.throughputCB}  (itty-durable, for reference; no target)`);
  log(`p99        c/b = ${ratios.p99CB}  (itty-durable, for reference; no target)`);
  log(
    `cross-check, median of per-round ratios: throughput a/d ${mid.throughputAD}, throughput a/b ${mid.throughputAB}, p99 a/b ${mid.p99AB}, throughput c/b ${mid.throughputCB}, p99 c/b ${mid.p99CB}`,
  );
}
