import { defineService } from "../runtime/service";
import type { InventoryProtocol } from "./protocol";

/**
 * The inventory service: SKUs, their expiring holds and live stock events, over 16 shards
 * by default (`INVENTORY_SHARDS`). Its failures include the stock feed's refusals.
 */
export const inventoryService = defineService<InventoryProtocol>()({
  name: "inventory",
  binding: "INVENTORY",
  placement: { kind: "sharded", shards: 16 },
  // Its routes are the SKUs' (`/v1/skus/:sku`, its holds, events and placement).
  routePrefix: "/v1/skus",
  admission: {
    maxConcurrency: 64,
    ratePerSecond: 1000,
    burst: 200,
    maxSojournMs: 25,
    maxQueue: 256,
  },
  failures: {
    "insufficient-stock": { status: 409, title: "Insufficient Stock" },
    "stock-below-committed": { status: 409, title: "Stock Below Committed" },
    "hold-not-active": { status: 409, title: "Hold Not Active" },
    "hold-too-large": { status: 409, title: "Hold Too Large" },
    "client-hold-limit": { status: 429, title: "Client Hold Limit" },
    "listener-limit": { status: 429, title: "Listener Limit" },
    "listeners-full": { status: 503, title: "Listeners Full" },
  },
  // A hot SKU's sub-shards and its edge client: "rebalance me" and "K changed, ask again".
  internalFailures: ["allocation-short", "placement-moved"],
});
