import { medianInterval, readTarget } from "../lib/interval.mjs";
import { median, round } from "../lib/stats.mjs";
import { fixed, printTable, verdict } from "../lib/table.mjs";

/**
 * DESIGN "Performance targets", runtime overhead: the product (a) against the bare server (b).
 * Reads: throughput ≥ 0.85 of bare, p99 ≤ 1.3×. Writes (issue 11, with the per-client rate
 * limit on): throughput ≥ 0.9 of bare, p99 ≤ 1.3×. The peers (c, d, e) carry no target.
 */
export const TARGETS = {
  read: { throughputRatioMin: 0.85, p99RatioMax: 1.3 },
  write: { throughputRatioMin: 0.9, p99RatioMax: 1.3 },
};

/** DESIGN: visibility costs at most 3 % throughput — the product (a) against itself with it off (v). */
export const VISIBILITY_RATIO_MIN = 0.97;

const ratio = (x, y) => (x == null || y == null || !y ? null : round(x / y, 3));
const medianOf = (values) => (values.length ? median(values) : null);

/** Median over rounds of each metric, per configuration and workload (failures left out). */
function summarize(configs, workloads, samples) {
  const summary = {};
  for (const { key, name, what } of configs) {
    summary[key] = { name, what };
    for (const w of workloads) {
      const good = samples.filter((s) => s.config === key && s.workload === w.key && !s.error);
      const mid = (metric, digits) => {
        const m = medianOf(good.map((s) => s[metric]));
        return m === null ? null : round(m, digits);
      };
      summary[key][w.key] = {
        samples: good.length,
        rps: mid("rps", 1),
        p50: mid("p50", 2),
        p99: mid("p99", 2),
        non2xx: good.reduce((n, s) => n + s.non2xx, 0),
        errors: good.reduce((n, s) => n + s.errors, 0),
      };
    }
  }
  return summary;
}

/** Throughput and p99 of every configuration over the bare one, per workload. */
function ratiosOf(configs, workloads, get) {
  const out = {};
  for (const { key } of configs) {
    for (const w of workloads) {
      const x = get(key, w.key);
      const b = get("b", w.key);
      out[`${w.key}.throughput.${key}/b`] = x && b ? ratio(x.rps, b.rps) : null;
      out[`${w.key}.p99.${key}/b`] = x && b ? ratio(x.p99, b.p99) : null;
    }
  }
  // The cost of visibility: the product against itself with VISIBILITY=off.
  for (const w of workloads) {
    const a = get("a", w.key);
    const v = get("v", w.key);
    if (a && v) out[`${w.key}.throughput.a/v`] = ratio(a.rps, v.rps);
  }
  return out;
}

/**
 * Throughput of `x` over `y` slice by slice (the two were loaded within seconds of each other
 * in every slice), over every round where both have a sample.
 */
export function sliceRatios(samples, workload, x, y) {
  const ratios = [];
  const rounds = new Set(samples.map((s) => s.round));
  for (const r of rounds) {
    const of = (key) =>
      samples.find((s) => s.round === r && s.config === key && s.workload === workload && !s.error);
    const [top, bottom] = [of(x)?.sliceRps, of(y)?.sliceRps];
    if (!top || !bottom) continue;
    for (let i = 0; i < Math.min(top.length, bottom.length); i++) {
      if (bottom[i] > 0) ratios.push(top[i] / bottom[i]);
    }
  }
  return ratios;
}

/** A reading as a pass: `met` passes, `not met` fails, `inconclusive` is neither (`null`). */
const passOf = (reading) => (reading === "met" ? true : reading === "not met" ? false : null);

/** The median of the slice ratios with its 95 % interval and what it says of `target`. */
function sliceReading(ratios, target) {
  if (ratios.length === 0) return null;
  const interval = medianInterval(ratios);
  return {
    median: round(interval.median, 3),
    low: round(interval.low, 3),
    high: round(interval.high, 3),
    slices: interval.n,
    reading: readTarget(interval, target),
  };
}

function targetsOf(ratios, samples) {
  const targets = {};
  for (const [workload, t] of Object.entries(TARGETS)) {
    const tput = ratios[`${workload}.throughput.a/b`] ?? null;
    const p99 = ratios[`${workload}.p99.a/b`] ?? null;
    const bySlice = sliceReading(sliceRatios(samples, workload, "a", "b"), {
      min: t.throughputRatioMin,
    });
    targets[`${workload}Throughput`] = {
      target: `${workload} a/b >= ${t.throughputRatioMin}`,
      value: tput,
      // Read from the slice-by-slice interval when there is one: a ratio of medians near
      // the target says nothing on this machine's noise. Inconclusive is not a pass.
      pass: bySlice ? passOf(bySlice.reading) : tput === null ? null : tput >= t.throughputRatioMin,
      bySlice,
    };
    targets[`${workload}P99`] = {
      target: `${workload} p99 a/b <= ${t.p99RatioMax}`,
      value: p99,
      pass: p99 === null ? null : p99 <= t.p99RatioMax,
    };
    const av = ratios[`${workload}.throughput.a/v`] ?? null;
    if (av !== null) {
      const avBySlice = sliceReading(sliceRatios(samples, workload, "a", "v"), {
        min: VISIBILITY_RATIO_MIN,
      });
      targets[`${workload}Visibility`] = {
        target: `${workload} a/v >= ${VISIBILITY_RATIO_MIN}`,
        value: av,
        pass: avBySlice ? passOf(avBySlice.reading) : av >= VISIBILITY_RATIO_MIN,
        bySlice: avBySlice,
      };
    }
  }
  return targets;
}

/**
 * The headline ratios (of the per-configuration medians), the same ratios per round (samples
 * of one round are seconds apart, so they show drift) and their median as a cross-check.
 */
export function analyze(configs, workloads, samples, rounds) {
  const summary = summarize(configs, workloads, samples);
  const ratios = ratiosOf(configs, workloads, (key, w) => summary[key]?.[w]);
  const perRoundRatios = [];
  for (let r = 1; r <= rounds; r++) {
    const get = (key, w) =>
      samples.find((s) => s.round === r && s.config === key && s.workload === w && !s.error);
    perRoundRatios.push({ round: r, ...ratiosOf(configs, workloads, get) });
  }
  const medianOfPerRoundRatios = {};
  for (const key of Object.keys(ratios)) {
    const m = medianOf(perRoundRatios.map((r) => r[key]).filter((v) => v !== null));
    medianOfPerRoundRatios[key] = m === null ? null : round(m, 3);
  }
  return {
    summary,
    ratios,
    perRoundRatios,
    medianOfPerRoundRatios,
    targets: targetsOf(ratios, samples),
  };
}

/** Prints the comparison table, the per-round product ratios and the verdicts. */
export function report(configs, analysis, opts, log) {
  const { summary, ratios, perRoundRatios, medianOfPerRoundRatios: mid, targets } = analysis;
  log("");
  log(`Runtime overhead — ${opts.aggregate}; x/b = ratio to the bare server`);
  const rows = configs.map(({ key }) => {
    const s = summary[key];
    return {
      key,
      name: s.name,
      readRps: s.read.rps,
      readP99: s.read.p99,
      writeRps: s.write.rps,
      writeP99: s.write.p99,
      readT: ratios[`read.throughput.${key}/b`],
      readP: ratios[`read.p99.${key}/b`],
      writeT: ratios[`write.throughput.${key}/b`],
      writeP: ratios[`write.p99.${key}/b`],
      rounds: Math.min(s.read.samples, s.write.samples),
      bad: s.read.non2xx + s.read.errors + s.write.non2xx + s.write.errors,
    };
  });
  printTable(
    rows,
    [
      ["key", "cfg"],
      ["name", "name"],
      ["readRps", "read req/s", fixed(1)],
      ["readP99", "read p99", fixed(2)],
      ["readT", "read x/b", fixed(3)],
      ["readP", "p99 x/b", fixed(3)],
      ["writeRps", "write req/s", fixed(1)],
      ["writeP99", "write p99", fixed(2)],
      ["writeT", "write x/b", fixed(3)],
      ["writeP", "p99 x/b", fixed(3)],
      ["rounds", "rounds"],
      ["bad", "non2xx+err"],
    ],
    log,
  );
  log("");
  log("Per-round product ratios (samples of one round are seconds apart):");
  printTable(
    perRoundRatios,
    [
      ["round", "round"],
      ["read.throughput.a/b", "read a/b", fixed(3)],
      ["read.p99.a/b", "read p99 a/b", fixed(3)],
      ["write.throughput.a/b", "write a/b", fixed(3)],
      ["write.p99.a/b", "write p99 a/b", fixed(3)],
      ["read.throughput.a/v", "read a/v", fixed(3)],
      ["write.throughput.a/v", "write a/v", fixed(3)],
    ],
    log,
  );
  log("");
  for (const t of Object.values(targets)) {
    const s = t.bySlice;
    const bySlice = s
      ? `  · read from the slice-by-slice median ${s.median}, 95 % interval ${s.low}–${s.high} (${s.slices} slices)`
      : "";
    const said = s ? s.reading.toUpperCase() : verdict(t.pass);
    log(`${t.target.padEnd(24)} ratio of medians ${String(t.value).padEnd(6)} ${said}${bySlice}`);
  }
  log(
    `cross-check, median of per-round ratios: read a/b ${mid["read.throughput.a/b"]}, read p99 a/b ${mid["read.p99.a/b"]}, write a/b ${mid["write.throughput.a/b"]}, write p99 a/b ${mid["write.p99.a/b"]}`,
  );
}
