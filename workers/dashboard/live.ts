import type { Context, Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { logEvent } from "../../core/log";
import type { AppEnv } from "../context";
import { adminAuth } from "../middleware/admin-auth";
import { validate } from "../middleware/validate";
import { resource } from "../resource";
import { type DashboardConfig, dashboardConfig } from "./config";
import { LiveStream } from "./live-stream";
import { ContractReader, type Dispatch } from "./sources";

/**
 * One stream's life: `hello`, then a tick every `tickMs` until the client leaves or
 * `streamMaxMs` has passed; both ends are logged with the stream's request id.
 */
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
        const reader = new ContractReader(dispatch, c.req.url, {
          authorization: c.req.header("Authorization") ?? "",
          // The stream's own id on every read it makes, so their logs join it.
          "x-request-id": c.get("requestId"),
        });
        c.header("X-Accel-Buffering", "no");
        return streamSSE(c, (stream) => run(stream, reader, config, c.get("requestId")));
      },
    ],
  });
}
