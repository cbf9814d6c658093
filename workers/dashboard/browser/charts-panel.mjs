import uPlot from "uplot";
import { h, render, unavailable } from "./dom.mjs";

/**
 * Traffic over the last minutes, one uPlot chart per question an on-call engineer asks:
 * how many requests and how they end, how slow (p50/p99), how much is shed and why, what
 * waits, and what the business gets (orders per second). Each point is a `ChartPoint` the
 * live channel computed from successive `/metrics` scrapes.
 *
 * @typedef {{ at: number, requests: Record<string, number>, latency: { p50: number | null, p99: number | null }, shed: Record<string, number>, queued: Record<string, number>, inFlight: Record<string, number>, queueMessages: Record<string, number>, orders: Record<string, number> }} ChartPoint
 * @typedef {{ label: string, stroke: string, pick: (p: ChartPoint) => number | null }} Line
 * @typedef {{ id: string, title: string, unit: string, lines: Line[] }} ChartSpec
 */

/** Points kept: 5 minutes at the default one-second tick. */
const KEEP = 300;

/** Colours chosen to stay distinct on light and dark backgrounds. */
const COLOURS = ["#2f9e44", "#e8590c", "#c92a2a", "#1c7ed6", "#9c36b5", "#f08c00", "#0c8599"];

/** The service lines' colours: every colour but the retries line's red. */
const SERVICE_COLOURS = COLOURS.filter((_, i) => i !== 2);

/**
 * What waits, per service: each service's admission queue and in-flight commands — every
 * service the metrics report, so a service added to the registry shows up without an edit
 * here — and the orders queue's retries.
 * @param {readonly string[]} services
 * @returns {ChartSpec}
 */
const backlogChart = (services) => ({
  id: "chart-backlog",
  title: "Waiting work",
  unit: "",
  lines: [
    ...services.flatMap((service, i) => [
      {
        label: `${service} queued`,
        stroke: SERVICE_COLOURS[(2 * i) % SERVICE_COLOURS.length] ?? "",
        pick: (/** @type {ChartPoint} */ p) => p.queued[service] ?? 0,
      },
      {
        label: `${service} in flight`,
        stroke: SERVICE_COLOURS[(2 * i + 1) % SERVICE_COLOURS.length] ?? "",
        pick: (/** @type {ChartPoint} */ p) => p.inFlight[service] ?? 0,
      },
    ]),
    {
      label: "queue retries/s",
      stroke: COLOURS[2] ?? "",
      pick: (p) => p.queueMessages.retried ?? 0,
    },
  ],
});

/**
 * The services with admission load so far, in a stable order: `known` plus any the point
 * reports (a line, once drawn, stays while its service is quiet).
 * @param {readonly string[]} known
 * @param {ChartPoint} point
 */
const servicesWith = (known, point) =>
  [...new Set([...known, ...Object.keys(point.queued), ...Object.keys(point.inFlight)])].sort();

/** @type {ChartSpec[]} */
const FIXED_CHARTS = [
  {
    id: "chart-requests",
    title: "Requests per second by status",
    unit: "/s",
    lines: ["2xx", "3xx", "4xx", "5xx"].map((c, i) => ({
      label: c,
      stroke: COLOURS[[0, 3, 1, 2][i] ?? 0] ?? "",
      pick: (p) => p.requests[c] ?? 0,
    })),
  },
  {
    id: "chart-latency",
    title: "Latency (ms)",
    unit: " ms",
    lines: [
      {
        label: "p50",
        stroke: COLOURS[3] ?? "",
        pick: (p) => (p.latency.p50 === null ? null : p.latency.p50 * 1000),
      },
      {
        label: "p99",
        stroke: COLOURS[2] ?? "",
        pick: (p) => (p.latency.p99 === null ? null : p.latency.p99 * 1000),
      },
    ],
  },
  {
    id: "chart-shed",
    title: "Shed per second by reason",
    unit: "/s",
    lines: [
      "overloaded",
      "rate-limited",
      "deadline-exceeded",
      "circuit-open",
      "service-unavailable",
      "queued",
    ].map((reason, i) => ({
      label: reason,
      stroke: COLOURS[(i + 1) % COLOURS.length] ?? "",
      pick: (p) => p.shed[reason] ?? 0,
    })),
  },
  {
    id: "chart-orders",
    title: "Orders per second",
    unit: "/s",
    lines: [
      { label: "confirmed", stroke: COLOURS[0] ?? "", pick: (p) => p.orders.confirmed ?? 0 },
      { label: "rejected", stroke: COLOURS[2] ?? "", pick: (p) => p.orders.rejected ?? 0 },
      { label: "queued", stroke: COLOURS[5] ?? "", pick: (p) => p.orders.queued ?? 0 },
    ],
  },
];

/** The charts in page order, the backlog's lines for `services`. */
const chartsFor = (/** @type {readonly string[]} */ services) => [
  ...FIXED_CHARTS.slice(0, 3),
  backlogChart(services),
  ...FIXED_CHARTS.slice(3),
];

export class ChartsPanel {
  #body;
  /** @type {string[]} */
  #services = [];
  #charts = chartsFor([]);
  /** @type {ChartPoint[]} */
  #points = [];
  /** @type {Map<string, uPlot>} */
  #plots = new Map();
  /** @type {string | null} */
  #notice = null;
  #resize = new ResizeObserver(() => this.#fit());

  /** @param {Element} body */
  constructor(body) {
    this.#body = body;
  }

  /** @param {{ state: string, data?: any, status?: number, detail?: string }} panel */
  update(panel) {
    if (panel.state !== "ok") {
      this.#showNotice(panel);
      return;
    }
    if (panel.data === null) return; // first tick: no interval to rate yet
    this.#points.push(panel.data);
    if (this.#points.length > KEEP) this.#points.splice(0, this.#points.length - KEEP);
    const services = servicesWith(this.#services, panel.data);
    const changed = services.join() !== this.#services.join();
    if (changed) {
      this.#services = services;
      this.#charts = chartsFor(services);
    }
    if (changed || this.#notice !== null || this.#plots.size === 0) this.#build();
    for (const chart of this.#charts) {
      this.#plots.get(chart.id)?.setData(this.#data(chart));
      const latest = this.#body.querySelector(`#${chart.id} .latest`);
      if (latest) latest.textContent = this.#latest(chart, panel.data);
    }
  }

  /**
   * The newest values as text, under each chart: readable without the canvas (screen
   * readers, a glance) and checkable by tests.
   * @param {ChartSpec} chart
   * @param {ChartPoint} point
   */
  #latest(chart, point) {
    return chart.lines
      .map((line) => {
        const value = line.pick(point);
        return `${line.label} ${value === null ? "—" : `${value.toFixed(1)}${chart.unit}`}`;
      })
      .join(" · ");
  }

  /** @param {{ state: string, status?: number, detail?: string }} panel */
  #showNotice(panel) {
    const notice = `${panel.state}:${panel.status}`;
    if (this.#notice === notice) return;
    this.#destroy();
    this.#notice = notice;
    render(this.#body, unavailable(panel, "Metrics"));
  }

  #build() {
    this.#destroy();
    this.#notice = null;
    const holders = this.#charts.map((chart) =>
      h(
        "figure",
        { class: "chart", id: chart.id },
        h("figcaption", {}, chart.title),
        h("div", { class: "plot" }),
        h("p", { class: "latest" }),
      ),
    );
    render(this.#body, h("div", { class: "charts" }, holders));
    for (const [i, chart] of this.#charts.entries()) {
      const holder = /** @type {HTMLElement} */ (this.#body.querySelector(`#${chart.id} .plot`));
      this.#plots.set(chart.id, new uPlot(this.#options(chart, holder), this.#data(chart), holder));
      if (i === 0) this.#resize.observe(this.#body);
    }
  }

  #destroy() {
    for (const plot of this.#plots.values()) plot.destroy();
    this.#plots.clear();
    this.#resize.disconnect();
  }

  #fit() {
    for (const [id, plot] of this.#plots) {
      const holder = this.#body.querySelector(`#${id} .plot`);
      if (holder) plot.setSize({ width: Math.max(200, holder.clientWidth), height: 180 });
    }
  }

  /**
   * @param {ChartSpec} chart
   * @param {HTMLElement} holder
   * @returns {uPlot.Options}
   */
  #options(chart, holder) {
    const ink =
      getComputedStyle(document.documentElement).getPropertyValue("--ink").trim() || "#444";
    const grid =
      getComputedStyle(document.documentElement).getPropertyValue("--grid").trim() || "#8884";
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    return {
      width: Math.max(200, holder.clientWidth),
      height: 180,
      series: [
        {},
        ...chart.lines.map((line) => ({
          label: line.label,
          stroke: line.stroke,
          width: 2,
          value: (/** @type {uPlot} */ _u, /** @type {number | null} */ v) =>
            v === null ? "—" : `${v.toFixed(1)}${chart.unit}`,
        })),
      ],
      axes: [axis, { ...axis, size: 50 }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      legend: { live: false },
    };
  }

  /**
   * @param {ChartSpec} chart
   * @returns {uPlot.AlignedData}
   */
  #data(chart) {
    const xs = this.#points.map((p) => p.at / 1000);
    return [xs, ...chart.lines.map((line) => this.#points.map((p) => line.pick(p)))];
  }
}
