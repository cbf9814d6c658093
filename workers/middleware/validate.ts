import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { describeIssues, IDEMPOTENCY_KEY_PATTERN } from "../../core/http";
import type { AppEnv, ValidInput } from "../context";
import { Problem } from "../errors";

/** What a route validates: path params, the JSON body, the `Idempotency-Key` header. */
export interface ValidationSpec<B extends z.ZodType> {
  readonly params?: Readonly<Record<string, z.ZodType<string>>>;
  readonly body?: B;
  readonly idempotencyKey?: "optional" | "required";
}

function check<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = describeIssues(parsed.error);
  throw new Problem(
    "invalid-request",
    where === "body" ? detail : `${where} ${detail.replace(/^body: /, "")}`,
  );
}

/**
 * The validation stage (400 `invalid-request`), after route, auth, content type and size:
 * nothing reaches an actor unvalidated. Also reports a malformed `X-Deadline-Ms` here.
 * `body` is the parsed JSON body (see `readJsonBody`), if the route takes one.
 */
export function validInput<B extends z.ZodType>(
  c: Context<AppEnv>,
  spec: ValidationSpec<B>,
  body: unknown,
): ValidInput {
  const deadline = c.get("deadline");
  if (deadline.kind === "invalid") {
    throw new Problem(
      "invalid-request",
      `X-Deadline-Ms must be an integer from 1 to 60000, got "${deadline.raw}"`,
    );
  }
  const params: Record<string, string> = {};
  if (spec.params) {
    for (const name in spec.params) {
      params[name] = check(spec.params[name] as z.ZodType<string>, c.req.param(name), name);
    }
  }
  const key = spec.idempotencyKey
    ? (c.req.raw.headers.get("Idempotency-Key") ?? undefined)
    : undefined;
  if (key === undefined && spec.idempotencyKey === "required") {
    throw new Problem("invalid-request", "the Idempotency-Key header is required");
  }
  if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new Problem(
      "invalid-request",
      "Idempotency-Key must be 1–255 visible ASCII characters without spaces",
    );
  }
  return {
    params,
    body: spec.body ? check(spec.body, body, "body") : undefined,
    idempotencyKey: key,
  };
}

/** `validInput` as middleware, for routes that are not a `serviceRoute`: sets `input`. */
export function validate<B extends z.ZodType>(spec: ValidationSpec<B>): MiddlewareHandler<AppEnv> {
  return async function validateMiddleware(c, next) {
    c.set("input", validInput(c, spec, c.get("body")));
    await next();
  };
}

/** The validated input of this request, typed by the route that declared it. */
export function input<B = undefined>(
  c: Context<AppEnv>,
): { params: Record<string, string>; body: B; idempotencyKey: string | undefined } {
  const valid = c.get("input");
  return {
    params: { ...valid.params },
    body: valid.body as B,
    idempotencyKey: valid.idempotencyKey,
  };
}
