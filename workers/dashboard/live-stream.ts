import { chartPoint, type Scrape } from "../../core/scrape";
import { ORDERS_QUEUE_NAME } from "../../durable-objects/visibility/metrics/catalog";
import type { ContractReader, PanelData } from "./sources";

/** Where a stream's events go (Hono's `SSEStreamingApi` in production). */
export interface EventSink {
  writeSSE(message: { event: string; data: string }): Promise<void>;
}

/** The JSON panels the stream carries, by event name, and the endpoint each one mirrors. */
const PANELS = {
  supervision: "/v1/ops/supervision",
  shards: "/v1/ops/shards",
  alarms: "/v1/ops/alarms",
  notifications: "/v1/ops/notifications",
} as const;

/** Rates and quantiles are taken over this much history, like Prometheus' `rate(x[5s])`. */
const RATE_WINDOW_MS = 5000;

/**
 * An endpoint that answered 404 (a deployment without that feature) is asked again only
 * after this long: its "unavailable" panel stays as it is meanwhile, and the stream does not
 * fill the request metrics with 404s of its own.
 */
const MISSING_RETRY_MS = 30_000;

/**
 * One open stream: samples every panel each tick and sends a panel only when it changed,
 * plus one `chart` event per tick (also the heartbeat the page's watchdog waits for).
 */
export class LiveStream {
  readonly #sent = new Map<string, string>();
  /** Endpoints that answered 404, and when to ask them again. */
  readonly #missingUntil = new Map<string, number>();
  readonly #scrapes: Scrape[] = [];
  /** The chart event of the latest scrape (repeated while `/metrics` is not asked). */
  #lastChart: PanelData = { state: "ok", data: null };
  readonly #reader: ContractReader;
  readonly #sink: EventSink;
  readonly #now: () => number;

  /** `now` (default `Date.now`) stamps scrapes and times the 404 back-off. */
  constructor(reader: ContractReader, sink: EventSink, now: () => number = Date.now) {
    this.#reader = reader;
    this.#sink = sink;
    this.#now = now;
  }

  /** Samples every endpoint once and sends what changed, then one `chart` event. */
  async tick(): Promise<void> {
    const now = this.#now();
    const names = (Object.keys(PANELS) as (keyof typeof PANELS)[]).filter(
      (name) => (this.#missingUntil.get(PANELS[name]) ?? 0) <= now,
    );
    const scraping = (this.#missingUntil.get("/metrics") ?? 0) <= now;
    const [scrape, ...panels] = await Promise.all([
      scraping ? this.#reader.scrape(this.#now) : undefined,
      ...names.map((name) => this.#reader.panel(PANELS[name])),
    ]);
    for (const [i, name] of names.entries()) {
      const panel = panels[i];
      if (panel === undefined) continue;
      this.#noteMissing(PANELS[name], panel, now);
      await this.#sendIfChanged(name, panel);
    }
    if (scraping) {
      if (scrape !== undefined && "state" in scrape) this.#noteMissing("/metrics", scrape, now);
      this.#lastChart = this.#chart(scrape);
    }
    await this.#send("chart", this.#lastChart);
  }

  #noteMissing(path: string, panel: PanelData, now: number): void {
    if (panel.state === "unavailable") this.#missingUntil.set(path, now + MISSING_RETRY_MS);
  }

  #chart(scrape: Scrape | PanelData | undefined): PanelData {
    if (scrape === undefined || "state" in scrape) {
      return scrape ?? { state: "error", status: 0, detail: "no scrape" };
    }
    const horizon = scrape.at - RATE_WINDOW_MS;
    while ((this.#scrapes[1]?.at ?? Number.POSITIVE_INFINITY) <= horizon) this.#scrapes.shift();
    const oldest = this.#scrapes[0];
    this.#scrapes.push(scrape);
    if (oldest === undefined) return { state: "ok", data: null };
    return { state: "ok", data: chartPoint(oldest, scrape, ORDERS_QUEUE_NAME) };
  }

  async #sendIfChanged(event: string, panel: PanelData): Promise<void> {
    const data = JSON.stringify(panel);
    if (this.#sent.get(event) === data) return;
    this.#sent.set(event, data);
    await this.#sink.writeSSE({ event, data });
  }

  async #send(event: string, payload: unknown): Promise<void> {
    await this.#sink.writeSSE({ event, data: JSON.stringify(payload) });
  }
}
