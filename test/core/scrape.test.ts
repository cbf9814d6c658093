import fc from "fast-check";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import {
  chartPoint,
  gaugeBy,
  histogramQuantile,
  increaseBy,
  isOperatorRoute,
  parseExposition,
  rateBy,
  type Scrape,
} from "../../core/scrape";

const EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
metric_without_timestamp_and_labels 12.47
something_weird{problem="division by zero"} +Inf -3982045
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
`;

const all = () => "all";

/** The reference parser keeps values as strings, `+Inf` included. */
const referenceValue = (value: string): number =>
  value === "+Inf" ? Number.POSITIVE_INFINITY : Number(value);

describe("parseExposition", () => {
  it("reads names, labels with escapes, values and ignores timestamps and comments", () => {
    const { samples } = parseExposition(EXAMPLE, 0);
    expect(samples).toHaveLength(9);
    expect(samples[0]).toEqual({
      name: "http_requests_total",
      labels: { method: "post", code: "200" },
      value: 1027,
    });
    expect(samples[2]?.labels).toEqual({
      path: "C:\\DIR\\FILE.TXT",
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    expect(samples[3]).toEqual({
      name: "metric_without_timestamp_and_labels",
      labels: {},
      value: 12.47,
    });
    expect(samples[4]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(samples[6]?.labels).toEqual({ le: "+Inf" });
  });

  it("agrees with parse-prometheus-text-format (an independent parser) on every sample", () => {
    const reference = parsePrometheusTextFormat(EXAMPLE);
    const ours = parseExposition(EXAMPLE, 0).samples;
    const ourValue = (name: string, labels: Record<string, string>) =>
      ours.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))
        ?.value;
    for (const family of reference) {
      for (const metric of family.metrics) {
        if (metric.buckets !== undefined) {
          for (const [le, count] of Object.entries(metric.buckets)) {
            const labels = { ...metric.labels, le };
            expect(ourValue(`${family.name}_bucket`, labels), le).toBe(referenceValue(count));
          }
          continue;
        }
        if (metric.value === undefined) continue;
        const match = ours.find(
          (s) =>
            s.name === family.name &&
            JSON.stringify(s.labels) === JSON.stringify(metric.labels ?? {}),
        );
        expect(match?.value, `${family.name} ${JSON.stringify(metric.labels)}`).toBe(
          referenceValue(metric.value),
        );
      }
    }
  });

  it("agrees with parse-prometheus-text-format on generated counters with arbitrary label values", () => {
    const labelValue = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(labelValue, fc.nat({ max: 1e9 })), { minLength: 1, maxLength: 8 }),
        (series) => {
          const escapeValue = (v: string) =>
            v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
          const lines = [
            "# TYPE c_total counter",
            ...series.map(([v, n], i) => `c_total{i="${i}",v="${escapeValue(v)}"} ${n}`),
          ].join("\n");
          // The reference parser only ends a family at a newline.
          const text = `${lines}\n`;
          const reference = parsePrometheusTextFormat(text)[0]?.metrics ?? [];
          const ours = parseExposition(text, 0).samples;
          expect(ours.map((s) => [s.labels, s.value])).toEqual(
            reference.flatMap((m) =>
              m.value === undefined ? [] : [[m.labels, referenceValue(m.value)]],
            ),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a malformed line, naming its number, instead of charting zeros", () => {
    expect(() => parseExposition("ok 1\nbad{le=0.5} 3\n", 0)).toThrow(/line 2: bad label/);
    expect(() => parseExposition("x_total one\n", 0)).toThrow(/line 1: bad value "one"/);
    expect(() => parseExposition('x{a="b} 1\n', 0)).toThrow(/unterminated value of label "a"/);
  });
});

const scrape = (at: number, text: string): Scrape => parseExposition(text, at);

describe("increaseBy and rateBy", () => {
  it("sums the growth of every series into its group, per second for rates", () => {
    const prev = scrape(0, 'r_total{s="200"} 10\nr_total{s="201"} 5\nr_total{s="503"} 1');
    const curr = scrape(2000, 'r_total{s="200"} 30\nr_total{s="201"} 9\nr_total{s="503"} 3');
    const byClass = (l: Readonly<Record<string, string>>) => `${l.s?.[0]}xx`;
    expect(increaseBy(prev, curr, "r_total", byClass)).toEqual(
      new Map([
        ["2xx", 24],
        ["5xx", 2],
      ]),
    );
    expect(rateBy(prev, curr, "r_total", byClass)).toEqual(
      new Map([
        ["2xx", 12],
        ["5xx", 1],
      ]),
    );
  });

  it("treats a series that went down as reset, and a new series as grown from zero", () => {
    const prev = scrape(0, 'r_total{a="x"} 100');
    const curr = scrape(1000, 'r_total{a="x"} 7\nr_total{a="y"} 4');
    expect(increaseBy(prev, curr, "r_total", (l) => l.a ?? null)).toEqual(
      new Map([
        ["x", 7],
        ["y", 4],
      ]),
    );
  });

  it("leaves out samples whose group is null and ignores other families", () => {
    const prev = scrape(0, 'r_total{a="x"} 1\nother_total 1');
    const curr = scrape(1000, 'r_total{a="x"} 5\nr_total{a="skip"} 9\nother_total 50');
    expect(increaseBy(prev, curr, "r_total", (l) => (l.a === "skip" ? null : "k"))).toEqual(
      new Map([["k", 4]]),
    );
  });

  it("answers a zero rate when no time passed between the scrapes", () => {
    const same = scrape(5, "r_total 1");
    expect(rateBy(scrape(5, "r_total 0"), same, "r_total", all)).toEqual(new Map([["all", 0]]));
  });

  it("reads gauges as they are now", () => {
    const now = scrape(0, 'g{s="a"} 3\ng{s="a",x="1"} 4\ng{s="b"} 1');
    expect(gaugeBy(now, "g", (l) => l.s ?? null)).toEqual(
      new Map([
        ["a", 7],
        ["b", 1],
      ]),
    );
  });
});

describe("histogramQuantile (Prometheus' histogram_quantile)", () => {
  const inf = Number.POSITIVE_INFINITY;

  it("interpolates linearly inside the bucket that holds the rank", () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.2, count: 90 },
      { le: 0.4, count: 100 },
      { le: inf, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.15);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.38);
  });

  it("answers the highest finite bound for a rank in the +Inf bucket, null without observations", () => {
    const buckets = [
      { le: 1, count: 1 },
      { le: inf, count: 10 },
    ];
    expect(histogramQuantile(0.99, buckets)).toBe(1);
    expect(histogramQuantile(0.5, [{ le: inf, count: 0 }])).toBeNull();
  });

  it("accepts buckets in any order and raises a dip in counts to stay monotonic", () => {
    const buckets = [
      { le: inf, count: 10 },
      { le: 2, count: 4 },
      { le: 1, count: 5 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(1 + (5 - 5) / 1);
  });

  it("refuses a quantile outside 0–1 and a histogram without +Inf", () => {
    expect(() => histogramQuantile(1.5, [{ le: inf, count: 1 }])).toThrow("from 0 to 1, got 1.5");
    expect(() => histogramQuantile(0.5, [{ le: 1, count: 1 }])).toThrow('le="+Inf"');
  });
});

describe("chartPoint", () => {
  const before = `
bulwark_http_requests_total{route="/v1/orders",method="POST",status="201"} 10
bulwark_http_requests_total{route="/v1/orders",method="POST",status="503"} 2
bulwark_http_requests_total{route="/metrics",method="GET",status="200"} 50
bulwark_http_request_duration_seconds_bucket{route="/v1/orders",le="0.01"} 10
bulwark_http_request_duration_seconds_bucket{route="/v1/orders",le="0.1"} 12
bulwark_http_request_duration_seconds_bucket{route="/v1/orders",le="+Inf"} 12
bulwark_http_request_duration_seconds_bucket{route="/metrics",le="0.01"} 0
bulwark_http_request_duration_seconds_bucket{route="/metrics",le="0.1"} 0
bulwark_http_request_duration_seconds_bucket{route="/metrics",le="+Inf"} 50
bulwark_shed_total{service="orders",reason="overloaded"} 2
bulwark_orders_total{status="confirmed"} 10
`;
  const after = `
bulwark_http_requests_total{route="/v1/orders",method="POST",status="201"} 30
bulwark_http_requests_total{route="/v1/orders",method="POST",status="503"} 6
bulwark_http_requests_total{route="/v1/orders",method="POST",status="409"} 2
bulwark_http_requests_total{route="/metrics",method="GET",status="200"} 52
bulwark_http_request_duration_seconds_bucket{route="/v1/orders",le="0.01"} 20
bulwark_http_request_duration_seconds_bucket{route="/v1/orders",le="0.1"} 38
bulwark_http_request_duration_seconds_bucket{route="/v1/orders",le="+Inf"} 38
bulwark_http_request_duration_seconds_bucket{route="/metrics",le="0.01"} 0
bulwark_http_request_duration_seconds_bucket{route="/metrics",le="0.1"} 0
bulwark_http_request_duration_seconds_bucket{route="/metrics",le="+Inf"} 52
bulwark_shed_total{service="orders",reason="overloaded"} 6
bulwark_shed_total{service="inventory",reason="overloaded"} 2
bulwark_admission_queued{service="orders"} 3
bulwark_admission_in_flight{service="orders"} 5
bulwark_queue_messages_total{queue="bulwark-orders",outcome="acked"} 4
bulwark_queue_messages_total{queue="bulwark-notifications",outcome="retried"} 10
bulwark_queue_messages_total{queue="bulwark-notifications-dlq",outcome="retried"} 10
bulwark_orders_total{status="confirmed"} 30
bulwark_orders_total{status="rejected"} 2
`;

  it("turns two scrapes into per-second rates, interval quantiles and current gauges (queue messages of the orders queue only)", () => {
    const point = chartPoint(scrape(0, before), scrape(2000, after), "bulwark-orders");
    expect(point).toEqual({
      at: 2000,
      requests: { "2xx": 10, "5xx": 2, "4xx": 1 },
      latency: { p50: expect.closeTo(0.01 + 0.09 * (3 / 16), 6), p99: expect.any(Number) },
      shed: { overloaded: 3 },
      queued: { orders: 3 },
      inFlight: { orders: 5 },
      queueMessages: { acked: 2 },
      orders: { confirmed: 10, rejected: 1 },
    });
    expect(point.latency.p99).toBeCloseTo(0.01 + 0.09 * ((0.99 * 26 - 10) / 16), 6);
  });

  it("leaves operator routes out of the request charts and has no latency without requests", () => {
    const point = chartPoint(scrape(0, before), scrape(1000, before), "bulwark-orders");
    expect(point.requests).toEqual({ "2xx": 0, "5xx": 0 });
    expect(point.latency).toEqual({ p50: null, p99: null });
    for (const route of ["/", "/metrics", "/dashboard", "/v1/ops/live", "/v1/ops/alarms/:id/ack"]) {
      expect(isOperatorRoute(route), route).toBe(true);
    }
    expect(isOperatorRoute("/v1/orders")).toBe(false);
    expect(isOperatorRoute("/v1/skus/:sku")).toBe(false);
  });
});
