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

/** @type {ChartSpec[]} */
const CHARTS = [
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
    id: "chart-backlog",
    title: "Waiting work",
    unit: "",
    lines: [
      { label: "inventory queued", stroke: COLOURS[3] ?? "", pick: (p) => p.queued.inventory ?? 0 },
      { label: "orders queued", stroke: COLOURS[4] ?? "", pick: (p) => p.queued.orders ?? 0 },
      {
        label: "inventory in flight",
        stroke: COLOURS[6] ?? "",
        pick: (p) => p.inFlight.inventory ?? 0,
      },
      { label: "orders in flight", stroke: COLOURS[5] ?? "", pick: (p) => p.inFlight.orders ?? 0 },
      {
        label: "queue retries/s",
        stroke: COLOURS[2] ?? "",
        pick: (p) => p.queueMessages.retried ?? 0,
      },
    ],
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

export class ChartsPanel {
  #body;
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
    if (this.#notice !== null || this.#plots.size === 0) this.#build();
    for (const chart of CHARTS) {
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
    const holders = CHARTS.map((chart) =>
      h(
        "figure",
        { class: "chart", id: chart.id },
        h("figcaption", {}, chart.title),
        h("div", { class: "plot" }),
        h("p", { class: "latest" }),
      ),
    );
    render(this.#body, h("div", { class: "charts" }, holders));
    for (const [i, chart] of CHARTS.entries()) {
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
