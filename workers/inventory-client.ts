import type { Context } from "hono";
import { InventoryClient } from "../durable-objects/inventory/spread/client";
import type { AppEnv } from "./context";
import { clientDeadline } from "./reply";
import { guarded } from "./shard-call";

/**
 * The request's inventory client: every shard call goes through that shard's breaker with
 * the client's deadline (retried unless it must be delivered `once`), and admin requests
 * take the operators' reserved lane.
 */
export function inventoryClient(c: Context<AppEnv>): InventoryClient {
  const deadline = clientDeadline(c);
  const reserved = c.get("admin");
  return new InventoryClient(c.get("router"), (address, delivery, send) =>
    guarded(address, { delivery, deadline, meta: { reserved } }, send),
  );
}
