import type { Context, Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { logEvent } from "../../core/log";
import { chartPoint, type Scrape } from "../../core/scrape";
import type { AppEnv } from "../context";
import { adminAuth } from "../middleware/admin-auth";
import { validate } from "../middleware/validate";
import { resource } from "../resource";
import { type DashboardConfig, dashboardConfig } from "./config";
import { ContractReader, type Dispatch, type PanelData } from "./sources";

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
class LiveStream {
  readonly #sent = new Map<string, string>();
  /** Endpoints that answered 404, and when to ask them again. */
  readonly #missingUntil = new Map<string, number>();
  readonly #scrapes: Scrape[] = [];
  /** The chart event of the latest scrape (repeated while `/metrics` is not asked). */
  #lastChart: PanelData = { state: "ok", data: null };
  readonly #reader: ContractReader;
  readonly #stream: SSEStreamingApi;

  constructor(reader: ContractReader, stream: SSEStreamingApi) {
    this.#reader = reader;
    this.#stream = stream;
  }

  async tick(): Promise<void> {
    const now = Date.now();
    const names = (Object.keys(PANELS) as (keyof typeof PANELS)[]).filter(
      (name) => (this.#missingUntil.get(PANELS[name]) ?? 0) <= now,
    );
    const scraping = (this.#missingUntil.get("/metrics") ?? 0) <= now;
    const [scrape, ...panels] = await Promise.all([
      scraping ? this.#reader.scrape(Date.now) : undefined,
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
    return { state: "ok", data: chartPoint(oldest, scrape) };
  }

  async #sendIfChanged(event: string, panel: PanelData): Promise<void> {
    const data = JSON.stringify(panel);
    if (this.#sent.get(event) === data) return;
    this.#sent.set(event, data);
    await this.#stream.writeSSE({ event, data });
  }

  async #send(event: string, payload: unknown): Promise<void> {
    await this.#stream.writeSSE({ event, data: JSON.stringify(payload) });
  }
}

async function run(
  stream: SSEStreamingApi,
  reader: ContractReader,
  config: DashboardConfig,
  requestId: string,
): Promise<void> {
  const openedAt = Date.now();
  logEvent("info", "dashboard-stream-opened", { requestId });
  await stream.writeSSE({ event: "hello", data: JSON.stringify(config) });
  const live = new LiveStream(reader, stream);
  while (!stream.aborted && Date.now() - openedAt < config.streamMaxMs) {
    await live.tick();
    await stream.sleep(config.tickMs);
  }
  const reason = stream.aborted ? "client-left" : "max-duration";
  logEvent("info", "dashboard-stream-closed", { requestId, reason, ms: Date.now() - openedAt });
}

function executionContext(c: Context<AppEnv>): Context<AppEnv>["executionCtx"] | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined; // not running under a platform that provides one
  }
}

/**
 * `GET /v1/ops/live` (admin): the dashboard's live channel, as Server-Sent Events.
 *
 * Why SSE read with `fetch` rather than `EventSource` or a WebSocket: a browser cannot put an
 * `Authorization` header on `new EventSource()` or `new WebSocket()`, and a token in the URL
 * ends up in logs, history and proxies. A streamed `fetch` carries the header like every other
 * admin request, so the channel is authenticated by the same `adminAuth` (a wrong token is a
 * plain 401 before any data). The page reconnects with backoff when the stream ends: the
 * server closes it after `DASHBOARD_STREAM_MAX_MS`, and a dropped connection ends it early.
 *
 * Events (each `data` is JSON): `hello` ({ tickMs, streamMaxMs }), then per tick
 * `supervision`, `shards`, `alarms`, `notifications` when they changed (a `PanelData`:
 * `{state: "ok", data}`, `{state: "unavailable"}` on a 404, or `{state: "error"}`), and one
 * `chart` (`data` a `ChartPoint` over the last 5 s of scrapes, `null` on the first tick).
 */
export function liveRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/ops/live", {
    GET: [
      adminAuth(),
      validate({}),
      (c) => {
        const config = dashboardConfig(c.env as unknown as Record<string, unknown>);
        const ctx = executionContext(c);
        const dispatch: Dispatch = async (request) => app.fetch(request, c.env, ctx);
        const reader = new ContractReader(dispatch, c.req.url, c.req.header("Authorization") ?? "");
        c.header("X-Accel-Buffering", "no");
        return streamSSE(c, (stream) => run(stream, reader, config, c.get("requestId")));
      },
    ],
  });
}
