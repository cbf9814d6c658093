import { logEvent } from "../core/log";
import { ROOT } from "../durable-objects";
import { app } from "./app";
import { countedBatch } from "./queue/counted-batch";
import { ORDERS_DLQ } from "./queue/messages";
import { consumeDeadLetters, consumeOrders } from "./queue/orders-consumer";
import { edgeReporter, flushLater } from "./visibility/edge-metrics";

export {
  AlarmManager,
  BulwarkSupervisor as Supervisor,
  ClientRateLimiter,
  InventoryShard,
  MetricsMonitor,
  OrderShard,
} from "../durable-objects";

/** The Worker: HTTP through the Hono edge, the orders queue and its DLQ, and the cron. */
export default {
  fetch: app.fetch,

  async queue(raw, env, ctx) {
    const batch = edgeReporter(env) ? countedBatch(raw) : raw;
    try {
      if (batch.queue === ORDERS_DLQ) await consumeDeadLetters(batch, env);
      else await consumeOrders(batch, env);
    } finally {
      flushLater(ctx);
    }
  },

  /**
   * Every minute: backoff-timed recovery of services the root supervisor marked down
   * (`DOWN_RECOVERY_MS` after they went down; the admin restart works at any time).
   */
  async scheduled(controller, env) {
    const root = env.SUPERVISOR.get(env.SUPERVISOR.idFromName(ROOT));
    const recovered = await root.tick(controller.scheduledTime);
    if (recovered.length > 0) logEvent("info", "services-recovered", { services: recovered });
  },
} satisfies ExportedHandler<Cloudflare.Env, unknown>;
