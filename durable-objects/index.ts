/** The Durable Object classes the Worker exports, and the types the edge needs from them. */
import { provideTelemetry } from "./runtime";
import { actorMetricsSink } from "./visibility/metrics/actor-sink";

// Every declared service's actor (sessions included) reports to the metrics monitor and
// Analytics Engine, unless VISIBILITY=off: installed once, as this module loads.
provideTelemetry((ctx, env, load) => actorMetricsSink(ctx, env as Cloudflare.Env, load));

export { AdminAuthGuard } from "./admin-auth";
export { loadConfig } from "./config";
export type { HoldView, InventoryProtocol, SkuView } from "./inventory/protocol";
export { InventoryShard } from "./inventory/shard";
export type { OrderItem, OrdersProtocol, OrderView } from "./orders/protocol";
export { OrderShard } from "./orders/shard";
export { ClientRateLimiter } from "./rate-limit/client-rate-limiter";
export { type ServiceProtocols, type ShardAddress, ShardRouter } from "./routing";
export {
  type AnswerCode,
  isService,
  PROBLEM_TABLE,
  SERVICES,
  type ServiceDefinitions,
  type ServiceName,
  services,
} from "./services";
export type { SessionsProtocol, SessionView } from "./sessions/protocol";
export { SessionActor } from "./sessions/session";
export { StockFeedRelay } from "./stock-feed";
export { BulwarkSupervisor, ROOT } from "./supervision";
export {
  AlarmManager,
  type AlarmsView,
  type AutomationState,
  alarmManager,
  NOTIFICATIONS_DLQ,
  NOTIFICATIONS_QUEUE,
} from "./visibility/alarms";
export { MetricsMonitor } from "./visibility/metrics/monitor";
