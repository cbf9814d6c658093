import { z } from "zod";
import { ackBody, beforeQuery } from "../../core/alarms";
import {
  idParam,
  orderBody,
  placeHoldBody,
  placementBody,
  putSkuBody,
  skuParam,
} from "../../core/http";
import { startSessionBody, userIdParam } from "../../core/http/session-schemas";
import type { AnswerCode as ProblemCode } from "../../durable-objects/services";
import { faultBody } from "../fault-body";
import { placementView } from "./placement-view";
import { presenceMessage, sessionView } from "./session-views";
import {
  apiDocument,
  degraded,
  faultsCleared,
  faultView,
  health,
  holdView,
  orderView,
  ready,
  skuView,
  stockMessage,
  supervisorView,
  text,
} from "./views";
import { alarmList, alarmView, notificationsView, shardHeatView } from "./visibility-views";

/** A success (or documented non-problem) answer of a route. */
export interface RouteAnswer {
  readonly description: string;
  /** The body; omit it for an answer without one (a redirect). */
  readonly schema?: z.ZodType;
  /** Default `application/json`. */
  readonly contentType?: string;
  /** Response headers beyond `X-Request-Id` (which every answer has). */
  readonly headers?: readonly ("Location" | "Retry-After")[];
}

/**
 * One route of the edge, as the OpenAPI document describes it. Adding a route to the app
 * means adding one of these (`test/workers/openapi.test.ts` names any route missing here).
 */
export interface RouteSpec {
  readonly method: "get" | "put" | "post" | "delete";
  /** Hono's pattern, e.g. `/v1/skus/:sku` (becomes `/v1/skus/{sku}`). */
  readonly path: string;
  readonly tag:
    | "health"
    | "inventory"
    | "orders"
    | "sessions"
    | "operations"
    | "visibility"
    | "dashboard"
    | "reference";
  readonly summary: string;
  readonly description?: string;
  /** Needs `Authorization: Bearer <ADMIN_TOKEN>` (adds 401). */
  readonly admin?: boolean;
  /** Counted against the per-client rate limit (adds 429). */
  readonly rateLimited?: boolean;
  /** Reaches a shard through the breaker (adds 503 overloaded/circuit-open/…, 500). */
  readonly shard?: boolean;
  readonly params?: Readonly<Record<string, z.ZodType>>;
  /** The JSON body the edge validates (adds 415, 413, 400). */
  readonly body?: z.ZodType;
  /** Whether the body may be left out (e.g. an optional note). Default `true`: required. */
  readonly bodyRequired?: boolean;
  /** Query parameters the route validates, e.g. `{ before: beforeQuery }`; all optional. */
  readonly query?: Readonly<Record<string, z.ZodType>>;
  readonly idempotencyKey?: "optional" | "required";
  /** Accepts `Prefer: respond-async` (RFC 7240). */
  readonly prefer?: boolean;
  readonly answers: Readonly<Record<number, RouteAnswer>>;
  /** Problems this route answers beyond those its flags imply. */
  readonly problems?: readonly ProblemCode[];
}

const sku = { sku: skuParam };
const user = { userId: userIdParam };
const hold = { sku: skuParam, holdId: idParam };

/** Every route the edge serves. */
export const ROUTES: readonly RouteSpec[] = [
  {
    method: "get",
    path: "/healthz",
    tag: "health",
    summary: "The edge is alive (touches no Durable Object)",
    answers: { 200: { description: "alive", schema: health } },
  },
  {
    method: "get",
    path: "/readyz",
    tag: "health",
    summary: "No service is down",
    answers: {
      200: { description: "every service is up", schema: ready },
      503: { description: "a service is down; `reasons` say which", schema: degraded },
    },
  },
  {
    method: "put",
    path: "/v1/skus/:sku",
    tag: "inventory",
    summary: "Create a SKU or set its stock",
    admin: true,
    shard: true,
    params: sku,
    body: putSkuBody,
    answers: { 200: { description: "the SKU as it now stands", schema: skuView } },
    problems: ["stock-below-committed"],
  },
  {
    method: "get",
    path: "/v1/skus/:sku",
    tag: "inventory",
    summary: "Read a SKU",
    shard: true,
    params: sku,
    answers: { 200: { description: "the SKU", schema: skuView } },
    problems: ["not-found"],
  },
  {
    method: "post",
    path: "/v1/skus/:sku/holds",
    tag: "inventory",
    summary: "Hold units of a SKU until they are confirmed, released or expire",
    description:
      "With `Idempotency-Key` (scope: the sku) a repeat with the same body answers the same " +
      "status and body and holds nothing more; another body is 422. After a 5xx nothing was " +
      "kept, so a retry runs afresh, unless its detail says the call broke in transit and " +
      '"may have taken effect": then a retry with the same key answers it.',
    rateLimited: true,
    shard: true,
    params: sku,
    body: placeHoldBody,
    idempotencyKey: "optional",
    answers: { 201: { description: "the hold", schema: holdView } },
    problems: [
      "not-found",
      "insufficient-stock",
      "idempotency-key-reused",
      "hold-too-large",
      "client-hold-limit",
    ],
  },
  {
    method: "get",
    path: "/v1/skus/:sku/holds/:holdId",
    tag: "inventory",
    summary: "Read a hold",
    shard: true,
    params: hold,
    answers: { 200: { description: "the hold", schema: holdView } },
    problems: ["not-found"],
  },
  {
    method: "delete",
    path: "/v1/skus/:sku/holds/:holdId",
    tag: "inventory",
    summary: "Release a hold (repeating it is a no-op 200)",
    rateLimited: true,
    shard: true,
    params: hold,
    answers: { 200: { description: "the released hold", schema: holdView } },
    problems: ["not-found", "hold-not-active"],
  },
  {
    method: "post",
    path: "/v1/skus/:sku/holds/:holdId/confirm",
    tag: "inventory",
    summary: "Confirm a hold: its units are sold (repeating it is a no-op 200)",
    rateLimited: true,
    shard: true,
    params: hold,
    answers: { 200: { description: "the confirmed hold", schema: holdView } },
    problems: ["not-found", "hold-not-active"],
  },
  {
    method: "get",
    path: "/v1/skus/:sku/placement",
    tag: "inventory",
    summary: "Read where a SKU's stock lives (hot SKUs)",
    admin: true,
    shard: true,
    params: sku,
    answers: { 200: { description: "the placement", schema: placementView } },
    problems: ["not-found"],
  },
  {
    method: "put",
    path: "/v1/skus/:sku/placement",
    tag: "inventory",
    summary: "Spread a hot SKU's stock over K sub-shards",
    description:
      "K (`subShards`, 1 to min(64, INVENTORY_SHARDS)) sub-shards each hold an allocation of " +
      "the stock; holds spread over them and allocation moves to a sub-shard that runs short. " +
      "Safe under load: holds on retired sub-shards stay valid until settled or expired.",
    admin: true,
    shard: true,
    params: sku,
    body: placementBody,
    answers: { 200: { description: "the new placement", schema: placementView } },
    problems: ["not-found"],
  },
  {
    method: "get",
    path: "/v1/skus/:sku/events",
    tag: "inventory",
    summary: "Live stock events (WebSocket)",
    description:
      "Send `Upgrade: websocket`. The server sends a `StockMessage` on connect and after " +
      "changes (coalesced: the newest view wins). Without the upgrade header the answer is " +
      "400; listeners are bounded per sku (503 listeners-full) and per client (429 " +
      "listener-limit).",
    params: sku,
    answers: {
      101: {
        description: "switching to WebSocket; messages are StockMessage",
        schema: stockMessage,
      },
    },
    shard: true,
    problems: ["not-found", "listeners-full", "listener-limit"],
  },
  {
    method: "post",
    path: "/v1/sessions/:userId",
    tag: "sessions",
    summary: "Start a session for a device, or refresh the user's active one",
    description:
      "One actor per user. 201 when a new session started, 200 when the active one was " +
      "refreshed (same sessionId; the device joins; lastSeenAt and expiresAt move). With " +
      "`Idempotency-Key` a repeat with the same body answers the first reply.",
    rateLimited: true,
    shard: true,
    params: user,
    body: startSessionBody,
    idempotencyKey: "optional",
    answers: {
      201: { description: "a new session", schema: sessionView },
      200: { description: "the active session, refreshed", schema: sessionView },
    },
    problems: ["idempotency-key-reused"],
  },
  {
    method: "get",
    path: "/v1/sessions/:userId",
    tag: "sessions",
    summary: "Read the user's latest session (does not refresh it)",
    shard: true,
    params: user,
    answers: { 200: { description: "the session, whatever its status", schema: sessionView } },
    problems: ["not-found"],
  },
  {
    method: "delete",
    path: "/v1/sessions/:userId",
    tag: "sessions",
    summary: "End the user's session; its presence sockets get the ended view and close",
    rateLimited: true,
    shard: true,
    params: user,
    answers: {
      200: { description: "the ended session (as it stands if it had ended)", schema: sessionView },
    },
    problems: ["not-found"],
  },
  {
    method: "get",
    path: "/v1/sessions/:userId/presence",
    tag: "sessions",
    summary: "Presence of the user's session (WebSocket)",
    description:
      "Send `Upgrade: websocket`. Every socket of the session receives a `PresenceMessage` on " +
      "connect and whenever presence or the session changes; at the end or expiry they get " +
      "the last view and close (1000). Server push only. Without the upgrade header the " +
      "answer is 400.",
    rateLimited: true,
    params: user,
    answers: {
      101: {
        description: "switching to WebSocket; messages are PresenceMessage",
        schema: presenceMessage,
      },
    },
    problems: ["session-not-active", "presence-limit", "service-unavailable"],
  },
  {
    method: "post",
    path: "/v1/orders",
    tag: "orders",
    summary: "Place an order (all-or-nothing across shards)",
    description:
      "The same `Idempotency-Key` always designates the same order: a retry with the same " +
      "body answers that order's current view with the status its state calls for (201, " +
      "409, 202) and never creates a second order; another body is 422. A 503 created " +
      "nothing (a retry starts afresh), unless its detail asks for a retry with the same " +
      "key: the call broke in transit and whether the order was recorded is unknown. With `Prefer: respond-async` an order that cannot be " +
      "taken now is queued (202) instead of refused.",
    rateLimited: true,
    shard: true,
    body: orderBody,
    idempotencyKey: "required",
    prefer: true,
    answers: {
      201: { description: "confirmed", schema: orderView },
      202: {
        description: "queued or pending: it will end confirmed or rejected",
        schema: orderView,
        headers: ["Location"],
      },
      409: {
        description: "rejected; `reason` says why (an OrderView, not a problem)",
        schema: orderView,
      },
    },
    problems: ["idempotency-key-reused"],
  },
  {
    method: "get",
    path: "/v1/orders/:orderId",
    tag: "orders",
    summary: "Read an order",
    shard: true,
    params: { orderId: idParam },
    answers: { 200: { description: "the order", schema: orderView } },
    problems: ["not-found"],
  },
  {
    method: "get",
    path: "/v1/ops/supervision",
    tag: "operations",
    summary: "The supervision tree",
    admin: true,
    answers: {
      200: { description: "the root supervisor and its children", schema: supervisorView },
    },
  },
  {
    method: "post",
    path: "/v1/ops/supervision/:service/restart",
    tag: "operations",
    summary: "Bring a service back up with a fresh restart window",
    admin: true,
    params: {
      service: z.string().meta({
        description: "a supervised service (inventory, orders, sessions); another name is 404",
      }),
    },
    answers: { 200: { description: "the service's supervisor", schema: supervisorView } },
    problems: ["not-found", "service-unavailable"],
  },
  {
    method: "post",
    path: "/v1/ops/faults",
    tag: "operations",
    summary: "Inject a fault (only with FAULT_INJECTION=on; otherwise 404)",
    description:
      "Acts on the next `count` state-changing commands of the target shard(s): the owner " +
      "of `sku`/`orderId`, shard number `shard`, or every shard of the service.",
    admin: true,
    body: faultBody,
    answers: { 201: { description: "the armed fault", schema: faultView } },
    problems: ["not-found"],
  },
  {
    method: "delete",
    path: "/v1/ops/faults",
    tag: "operations",
    summary: "Clear every injected fault (only with FAULT_INJECTION=on)",
    admin: true,
    answers: { 200: { description: "the shards cleared", schema: faultsCleared } },
    problems: ["not-found"],
  },
  {
    method: "get",
    path: "/metrics",
    tag: "visibility",
    summary: "Metrics for the whole deployment (Prometheus text 0.0.4, or OpenMetrics 1.0)",
    description:
      "Counters are cumulative for the deployment and never go down between scrapes. Send " +
      "`Accept: application/openmetrics-text` for OpenMetrics 1.0 (ends `# EOF`).",
    admin: true,
    answers: {
      200: {
        description: "the exposition",
        schema: text,
        contentType: "text/plain; version=0.0.4; charset=utf-8",
      },
    },
    // The metrics monitor did not answer.
    problems: ["service-unavailable"],
  },
  {
    method: "get",
    path: "/v1/ops/alarms",
    tag: "visibility",
    summary: "Active alarms, their history (newest first, 100 a page) and a per-severity summary",
    admin: true,
    query: { before: beforeQuery },
    answers: { 200: { description: "active alarms, history and summary", schema: alarmList } },
  },
  {
    method: "post",
    path: "/v1/ops/alarms/:id/ack",
    tag: "visibility",
    summary: "Acknowledge an active alarm, with an optional note",
    admin: true,
    params: { id: z.string() },
    body: ackBody,
    bodyRequired: false,
    answers: { 200: { description: "the acknowledged alarm", schema: alarmView } },
    problems: ["not-found"],
  },
  {
    method: "post",
    path: "/v1/ops/alarms/:id/clear",
    tag: "visibility",
    summary:
      "Clear an alarm that records events (dead-letters, partition-gave-up, notifications-failing); condition alarms refuse. Takes no body (ignored)",
    admin: true,
    params: { id: z.string() },
    answers: { 200: { description: "the cleared alarm", schema: alarmView } },
    problems: ["not-found", "manual-clear-not-allowed"],
  },
  {
    method: "get",
    path: "/v1/ops/notifications",
    tag: "visibility",
    summary: "The webhook endpoint's state and the most recent deliveries (at most 100)",
    admin: true,
    answers: { 200: { description: "endpoint and deliveries", schema: notificationsView } },
  },
  {
    method: "get",
    path: "/v1/ops/shards",
    tag: "visibility",
    summary: "Per-shard load for the heat map: in flight, queued, limit and recent refusals",
    admin: true,
    answers: { 200: { description: "each service's shards", schema: shardHeatView } },
  },
  {
    method: "get",
    path: "/v1/ops/live",
    tag: "dashboard",
    summary:
      "The dashboard's live channel (Server-Sent Events, read with fetch and a bearer token)",
    description:
      "Events: `hello` ({tickMs, streamMaxMs}); per tick `supervision`, `shards`, `alarms`, " +
      "`notifications` when they changed ({state: ok|unavailable|error, data?}); and one " +
      "`chart` point. The stream ends after `DASHBOARD_STREAM_MAX_MS`; clients reconnect.",
    admin: true,
    answers: {
      200: { description: "an event stream", schema: text, contentType: "text/event-stream" },
    },
  },
  {
    method: "get",
    path: "/",
    tag: "dashboard",
    summary: "Redirects to the operations dashboard",
    answers: { 302: { description: "to /dashboard", headers: ["Location"] } },
  },
  {
    method: "get",
    path: "/dashboard",
    tag: "dashboard",
    summary: "The live operations dashboard (HTML; the admin token is typed into the page)",
    answers: { 200: { description: "HTML", schema: text, contentType: "text/html" } },
  },
  {
    method: "get",
    path: "/dashboard/assets/:file",
    tag: "dashboard",
    summary: "The dashboard's scripts, styles and uPlot, served by the Worker",
    params: { file: z.string() },
    answers: { 200: { description: "the file", schema: text, contentType: "text/javascript" } },
    problems: ["not-found"],
  },
  {
    method: "get",
    path: "/openapi.json",
    tag: "reference",
    summary: "This document (OpenAPI 3.1), generated from the schemas the edge validates with",
    answers: { 200: { description: "the OpenAPI document", schema: apiDocument } },
  },
  {
    method: "get",
    path: "/docs",
    tag: "reference",
    summary: "This document as an interactive reference page (HTML; works offline)",
    answers: { 200: { description: "HTML", schema: text, contentType: "text/html" } },
  },
  {
    method: "get",
    path: "/docs/scalar.js",
    tag: "reference",
    summary: "The reference page's renderer (Scalar's standalone bundle, served by the Worker)",
    answers: { 200: { description: "JavaScript", schema: text, contentType: "text/javascript" } },
  },
];
