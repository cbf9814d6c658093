import { integer } from "../../core/config";
import { defineService } from "../runtime/service";
import type { OrdersProtocol } from "./protocol";

/**
 * The orders service: multi-item orders run as sagas across inventory shards, over 16
 * shards by default (`ORDERS_SHARDS`). Its answers use core codes only (`not-found`,
 * `idempotency-key-reused`); a rejected order is a view, not a failure.
 */
export const ordersService = defineService<OrdersProtocol>()({
  name: "orders",
  binding: "ORDERS",
  placement: { kind: "sharded", shards: 16 },
  admission: {
    maxConcurrency: 32,
    ratePerSecond: 400,
    burst: 100,
    maxSojournMs: 25,
    maxQueue: 128,
  },
  failures: {},
  settings: (vars) => ({
    /** `ORDERS_RESUME_MS` (1–3,600,000, default 2000): a saga's resume delay and backoff base. */
    resumeMs: integer(vars, "ORDERS_RESUME_MS", 2000, 1, 3_600_000),
  }),
});
