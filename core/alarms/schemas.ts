import { z } from "zod";

/** The longest acknowledgement note the contract allows. */
export const MAX_NOTE_LENGTH = 500;

/** `POST /v1/ops/alarms/{id}/ack`: an optional note; unknown fields are rejected. */
export const ackBody = z.strictObject({
  note: z.string().max(MAX_NOTE_LENGTH, `must be at most ${MAX_NOTE_LENGTH} characters`).optional(),
});

/** `?before=<seq>`: a positive history sequence number. */
export const beforeQuery = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, "must be a positive integer (a history seq)")
  .transform(Number);
