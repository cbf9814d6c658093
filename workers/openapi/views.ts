import { z } from "zod";
import {
  type AnswerCode,
  PROBLEM_TABLE,
  SERVICES,
  type ServiceName,
} from "../../durable-objects/services";

/**
 * What the edge answers, as zod schemas for the OpenAPI document. Requests are validated
 * with `core/http/schemas.ts`; these describe the views the actors return (their types live
 * in `durable-objects/*\/protocol.ts`) and are checked against real answers by the tests.
 */

/** Named views, emitted once under `components.schemas` and referenced by `$ref`. */
export const named = z.registry<{ id: string; description?: string }>();

const isoTime = z.string().meta({ format: "date-time", description: "ISO-8601 timestamp" });

export const skuView = z
  .looseObject({
    sku: z.string(),
    stock: z.int().min(0),
    available: z.int().meta({ description: "stock - held - sold" }),
    held: z.int().min(0),
    sold: z.int().min(0),
    version: z.int().meta({ description: "increases on every change" }),
  })
  .register(named, { id: "SkuView" });

export const holdView = z
  .looseObject({
    holdId: z.string(),
    sku: z.string(),
    quantity: z.int().min(1),
    status: z.enum(["active", "confirmed", "released", "expired"]),
    expiresAt: isoTime,
  })
  .register(named, { id: "HoldView" });

export const orderView = z
  .looseObject({
    orderId: z.string(),
    status: z.enum(["queued", "pending", "confirmed", "rejected"]),
    items: z.array(z.object({ sku: z.string(), quantity: z.int().min(1) })),
    reason: z.string().optional().meta({ description: "the problem code, when rejected" }),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .register(named, { id: "OrderView" });

export const stockMessage = z
  .object({ type: z.literal("stock") })
  .extend(skuView.shape)
  .register(named, { id: "StockMessage", description: "sent on connect and after every change" });

export const health = z.object({ status: z.literal("ok") });
export const ready = z.object({ status: z.literal("ready") });
export const degraded = z.object({ status: z.literal("degraded"), reasons: z.array(z.string()) });

const childView = z.looseObject({
  id: z.string(),
  status: z.string(),
  restarts: z.int(),
  lastCrash: z.unknown(),
});
export const supervisorView = z
  .looseObject({
    id: z.string(),
    strategy: z.enum(["one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one"]),
    intensity: z.int(),
    periodMs: z.int(),
    status: z.string(),
    children: z.array(childView),
  })
  .register(named, { id: "SupervisorView" });

export const faultView = z.object({
  service: z.enum(SERVICES as readonly [ServiceName, ...ServiceName[]]),
  shards: z.array(z.string()),
  kind: z.enum(["crash", "latency", "overload"]),
  count: z.int(),
  ms: z.int(),
  step: z.int(),
});
export const faultsCleared = z.object({ cleared: z.array(z.string()) });

/** RFC 9457 problem details; `code` is one of the contract's codes. */
export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().meta({ description: "what was wrong, in plain words" }),
    code: z.enum(Object.keys(PROBLEM_TABLE) as [AnswerCode, ...AnswerCode[]]),
  })
  .register(named, { id: "Problem" });

export const apiDocument = z.looseObject({ openapi: z.string(), paths: z.looseObject({}) });
export const text = z.string();
