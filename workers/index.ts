import { app } from "./app";

export {
  BulwarkSupervisor as Supervisor,
  ClientRateLimiter,
  InventoryShard,
  OrderShard,
} from "../durable-objects";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Cloudflare.Env>;
