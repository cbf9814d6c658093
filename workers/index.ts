import { logEvent } from "../core/log";
import { alarmManager, NOTIFICATIONS_DLQ, NOTIFICATIONS_QUEUE, ROOT } from "../durable-objects";
import { alarmConfig } from "../durable-objects/visibility/alarms";
import { app } from "./app";
import { countedBatch } from "./queue/counted-batch";
import { ORDERS_DLQ } from "./queue/messages";
import { deadLetteredNotifications, deliverNotifications } from "./queue/notifications-consumer";
import { consumeDeadLetters, consumeOrders } from "./queue/orders-consumer";
import { edgeReporter, flushLater } from "./visibility/edge-metrics";

export {
  AdminAuthGuard,
  AlarmManager,
  BulwarkSupervisor as Supervisor,
  ClientRateLimiter,
  InventoryShard,
  MetricsMonitor,
  OrderShard,
  SessionActor,
  StockFeedRelay,
} from "../durable-objects";

/** The Worker: HTTP through the Hono edge, the orders and notification queues and their DLQs, and the cron. */
export default {
  fetch: app.fetch,

  async queue(raw, env, ctx) {
    const batch = edgeReporter(env) ? countedBatch(raw) : raw;
    try {
      if (batch.queue === ORDERS_DLQ) await consumeDeadLetters(batch, env);
      else if (batch.queue === NOTIFICATIONS_QUEUE) await deliverNotifications(batch, env);
      else if (batch.queue === NOTIFICATIONS_DLQ) await deadLetteredNotifications(batch, env);
      else await consumeOrders(batch, env);
    } finally {
      flushLater(ctx);
    }
  },

  /**
   * Every minute, the backstop of alarm-driven automation: the alarm manager reconciles
   * `service-down` with the root's state and runs what is due (recoveries `DOWN_RECOVERY_MS`
   * after a service went down, quiet event alarms, thresholds). With automation
   * `recover-down-service` switched off, the root's own timed recovery runs instead.
   */
  async scheduled(controller, env) {
    try {
      await alarmManager(env).evaluate(controller.scheduledTime);
      if (alarmConfig(env).automation.has("recover-down-service")) return;
    } catch (error) {
      // Alarms broken (or misconfigured): recovery must not depend on them.
      logEvent("error", "alarm-evaluation-failed", { error: (error as Error).message });
    }
    const root = env.SUPERVISOR.get(env.SUPERVISOR.idFromName(ROOT));
    const recovered = await root.tick(controller.scheduledTime);
    if (recovered.length > 0) logEvent("info", "services-recovered", { services: recovered });
  },
} satisfies ExportedHandler<Cloudflare.Env, unknown>;
