import { z } from "zod";
import { SEVERITIES } from "../../core/alarms";
import { named } from "./views";

/**
 * The visibility routes' answers (alarms, notifications) as zod schemas for the OpenAPI
 * document; their types live in `core/alarms/types.ts` and
 * `durable-objects/visibility/alarms/protocol.ts`.
 */

const isoTime = z.string().meta({ format: "date-time", description: "ISO-8601 timestamp" });
const severity = z.enum(SEVERITIES);

export const alarmView = z
  .looseObject({
    id: z.string().meta({ description: "derived from {name, source}: URL-safe and stable" }),
    name: z.string(),
    source: z.string(),
    severity,
    description: z.string(),
    probableCause: z.string(),
    repairAction: z.string(),
    raisedAt: isoTime,
    updatedAt: isoTime,
    acknowledged: z.object({ by: z.string(), at: isoTime, note: z.string().optional() }).nullable(),
  })
  .register(named, { id: "Alarm" });

export const alarmEvent = z
  .looseObject({
    seq: z.int().min(1),
    at: isoTime,
    alarmId: z.string(),
    name: z.string(),
    source: z.string(),
    severity,
    event: z.enum(["raised", "updated", "acknowledged", "cleared", "action"]),
    detail: z.string().optional().meta({ description: "what automation or an operator did" }),
  })
  .register(named, { id: "AlarmEvent" });

export const alarmList = z.looseObject({
  active: z.array(alarmView).meta({ description: "most severe first" }),
  history: z.array(alarmEvent).meta({ description: "newest first, at most 100" }),
  summary: z.record(severity, z.object({ new: z.int(), acknowledged: z.int() })),
});

export const notificationsView = z.looseObject({
  endpoint: z.looseObject({
    state: z.enum(["off", "on", "invalid"]),
    error: z.string().nullable(),
  }),
  deliveries: z.array(
    z
      .looseObject({
        id: z.string().meta({ description: "the webhook-id, the same on every retry" }),
        type: z.enum(["alarm.raised", "alarm.cleared", "alarm.acknowledged"]),
        alarmId: z.string(),
        attempts: z.int().min(0),
        status: z.enum(["pending", "delivered", "dead-lettered"]),
        lastStatusCode: z.int().nullable(),
        lastAttemptAt: isoTime.nullable(),
      })
      .register(named, { id: "Delivery" }),
  ),
});

const shardHeat = z.looseObject({
  index: z.int().min(0),
  name: z.string(),
  status: z.string(),
  inFlight: z.int().min(0),
  queued: z.int().min(0),
  limit: z.int().min(0).nullable(),
  refusals: z.int().min(0),
});

export const shardHeatView = z.looseObject({
  services: z.record(z.string(), z.array(shardHeat)),
});
