import fc from "fast-check";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import {
  bucketIndex,
  commandDataPoint,
  cumulative,
  DeltaAggregator,
  type FamilySnapshot,
  labelKey,
  negotiate,
  renderExposition,
  shardIndexOf,
} from "../../core/metrics";

const bounds = [0.01, 0.1, 1];

const requests: FamilySnapshot = {
  spec: {
    name: "demo_requests_total",
    type: "counter",
    help: "Requests.\nSecond line \\ end",
    labels: ["route"],
  },
  series: [
    { labels: { route: '/a "quoted"\\path\nnext' }, value: 3 },
    { labels: { route: "/b" }, value: 0 },
  ],
};
const latency: FamilySnapshot = {
  spec: {
    name: "demo_duration_seconds",
    type: "histogram",
    help: "Latency.",
    labels: [],
    buckets: bounds,
  },
  series: [{ labels: {}, counts: [1, 2, 0, 4], sum: 12.5 }],
};
const up: FamilySnapshot = {
  spec: { name: "demo_up", type: "gauge", help: "Up.", labels: ["service"] },
  series: [{ labels: { service: "x" }, value: 1 }],
};

describe("histogram arithmetic", () => {
  it("puts a value in the first bucket whose bound is at least the value, else +Inf", () => {
    expect(bucketIndex(bounds, 0)).toBe(0);
    expect(bucketIndex(bounds, 0.01)).toBe(0);
    expect(bucketIndex(bounds, 0.011)).toBe(1);
    expect(bucketIndex(bounds, 1)).toBe(2);
    expect(bucketIndex(bounds, 1.5)).toBe(3);
  });

  it("turns per-bucket counts into cumulative ones ending at the total", () => {
    expect(cumulative([1, 2, 0, 4])).toEqual([1, 3, 3, 7]);
  });

  it("aggregates increments and observations per series, whatever the label order", () => {
    const deltas = new DeltaAggregator();
    deltas.inc("c", { a: "1", b: "2" });
    deltas.inc("c", { b: "2", a: "1" }, 2);
    deltas.inc("c", { a: "1", b: "2" }, 0); // nothing: counters only go up
    deltas.observe("h", {}, bounds, 0.05);
    deltas.observe("h", {}, bounds, 5);
    const drained = deltas.drain();
    expect(drained.counters).toEqual([{ family: "c", labels: { a: "1", b: "2" }, value: 3 }]);
    expect(drained.histograms).toEqual([
      { family: "h", labels: {}, counts: [0, 1, 0, 1], sum: 5.05 },
    ]);
    expect(deltas.empty).toBe(true);
    expect(labelKey({ b: "2", a: "1" })).toBe(labelKey({ a: "1", b: "2" }));
  });

  it("records by a resolved series key exactly as by family and labels", () => {
    const byLabels = new DeltaAggregator();
    const byKey = new DeltaAggregator();
    byLabels.inc("c", { a: "1", b: "2" }, 2);
    byLabels.observe("h", { r: "x" }, bounds, 0.5);
    const counter = DeltaAggregator.series("c", { b: "2", a: "1" });
    byKey.incSeries(counter, 2);
    byKey.incSeries(counter, 0); // nothing: counters only go up
    byKey.observeSeries(DeltaAggregator.series("h", { r: "x" }), bounds, 0.5);
    expect(byKey.drain()).toEqual(byLabels.drain());
  });

  it("labelKey is the sorted JSON of the pairs, however often and in whatever order asked", () => {
    // The key is memoised by the label set's spelling: names and values that contain the
    // spelling's own characters (digits, colons) must not make two sets share a key.
    const text = fc.string({ unit: fc.constantFrom("a", "1", ":"), maxLength: 4 });
    const canonical = (labels: Record<string, string>) =>
      JSON.stringify(
        Object.keys(labels)
          .sort()
          .map((name) => [name, labels[name]]),
      );
    const lookalikes: Record<string, string>[] = [
      { "a:": "b" },
      { a: ":b" },
      { a: "1", b: "" },
      { a: "1b" },
      { "1:a": "" },
    ];
    for (const labels of lookalikes) expect(labelKey(labels)).toBe(canonical(labels));
    fc.assert(
      fc.property(fc.array(fc.dictionary(text, text, { maxKeys: 4 }), { maxLength: 8 }), (sets) => {
        for (const labels of [...sets, ...sets.toReversed()]) {
          expect(labelKey(labels)).toBe(canonical(labels));
        }
      }),
    );
  });
});

describe("Prometheus text format 0.0.4", () => {
  const text = renderExposition([requests, latency, up], "prometheus");
  const parsed = parsePrometheusTextFormat(text);

  it("parses with an independent parser: types, help, escaped label values round-trip", () => {
    expect(parsed.map((f) => [f.name, f.type])).toEqual([
      ["demo_requests_total", "COUNTER"],
      ["demo_duration_seconds", "HISTOGRAM"],
      ["demo_up", "GAUGE"],
    ]);
    expect(parsed[0]?.help).toBe("Requests.\nSecond line \\ end");
    expect(parsed[0]?.metrics).toEqual([
      { labels: { route: '/a "quoted"\\path\nnext' }, value: "3" },
      { labels: { route: "/b" }, value: "0" },
    ]);
  });

  it("renders histograms with cumulative buckets up to +Inf, _sum and _count", () => {
    expect(parsed[1]?.metrics).toEqual([
      { buckets: { "0.01": "1", "0.1": "3", "1": "3", "+Inf": "7" }, sum: "12.5", count: "7" },
    ]);
  });
});

describe("OpenMetrics 1.0", () => {
  const lines = renderExposition([requests, latency, up], "openmetrics").split("\n");

  it("names counter families without _total and their samples with it, and ends with # EOF", () => {
    expect(lines).toContain("# TYPE demo_requests counter");
    expect(lines).toContain("# HELP demo_requests Requests.\\nSecond line \\\\ end");
    expect(lines).toContain('demo_requests_total{route="/b"} 0');
    expect(lines.slice(-2)).toEqual(["# EOF", ""]);
  });

  it("gives seconds histograms a UNIT and canonical float bounds", () => {
    expect(lines).toContain("# UNIT demo_duration_seconds seconds");
    expect(lines).toContain('demo_duration_seconds_bucket{le="1.0"} 3');
    expect(lines).toContain('demo_duration_seconds_bucket{le="+Inf"} 7');
    expect(lines).toContain("demo_duration_seconds_count 7");
  });
});

describe("content negotiation", () => {
  it.each([
    [undefined, "prometheus"],
    ["*/*", "prometheus"],
    ["text/plain;version=0.0.4", "prometheus"],
    ["application/openmetrics-text", "openmetrics"],
    [
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      "openmetrics",
    ],
    ["application/openmetrics-text;version=2.0.0", "prometheus"],
    ["application/openmetrics-text;q=0, text/plain", "prometheus"],
    ["text/plain;q=1, application/openmetrics-text;q=0.5", "prometheus"],
  ])("Accept %s → %s", (accept, format) => {
    expect(negotiate(accept)).toBe(format);
  });
});

describe("Analytics Engine data point", () => {
  it("maps a command to blobs [service, command, outcome], doubles [ms, shard], index actor", () => {
    const fact = {
      service: "inventory",
      actor: "inventory-7",
      command: "placeHold",
      outcome: "overloaded",
      durationMs: 12,
    };
    expect(commandDataPoint(fact)).toEqual({
      blobs: ["inventory", "placeHold", "overloaded"],
      doubles: [12, 7],
      indexes: ["inventory-7"],
    });
    expect(shardIndexOf("root")).toBe(-1);
  });
});
