import { z } from "zod";

/** A user id (the sessions service's key, and its actor's object name); devices likewise. */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const userIdParam = z
  .string()
  .regex(USER_ID_PATTERN, "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");

/** `POST /v1/sessions/{userId}`: the device starting or refreshing the session. */
export const startSessionBody = z.strictObject({
  device: z.string().regex(USER_ID_PATTERN, "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"),
});
