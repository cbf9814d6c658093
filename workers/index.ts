import { ROOT } from "../durable-objects";
import { app } from "./app";
import { ORDERS_DLQ } from "./queue/messages";
import { consumeDeadLetters, consumeOrders } from "./queue/orders-consumer";

export {
  AdminAuthGuard,
  AlarmManager,
  BulwarkSupervisor as Supervisor,
  ClientRateLimiter,
  InventoryShard,
  OrderShard,
} from "../durable-objects";

/** The Worker: HTTP through the Hono edge, the orders queue and its DLQ, and the cron. */
export default {
  fetch: app.fetch,

  async queue(batch, env) {
    if (batch.queue === ORDERS_DLQ) await consumeDeadLetters(batch, env);
    else await consumeOrders(batch, env);
  },

  /**
   * Every minute: backoff-timed recovery of services the root supervisor marked down
   * (`DOWN_RECOVERY_MS` after they went down; the admin restart works at any time).
   */
  async scheduled(controller, env) {
    const root = env.SUPERVISOR.get(env.SUPERVISOR.idFromName(ROOT));
    const recovered = await root.tick(controller.scheduledTime);
    if (recovered.length > 0) console.log(`cron: recovered ${recovered.join(", ")}`);
  },
} satisfies ExportedHandler<Cloudflare.Env, unknown>;
