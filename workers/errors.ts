import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { problemBody, retryAfterSeconds } from "../core/http";
import { logEvent } from "../core/log";
import { type Failure, RuntimeCodes } from "../durable-objects/runtime";
import { type AnswerCode, PROBLEM_TABLE } from "../durable-objects/services";
import type { AppEnv } from "./context";

/**
 * The edge's one error type: a contract `code`, a plain-words `detail`, and for load
 * refusals a `Retry-After`. Everything thrown ends in `onError`, the one place that writes
 * `application/problem+json`.
 */
export class Problem extends HTTPException {
  readonly code: AnswerCode;
  readonly detail: string;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: AnswerCode,
    detail: string,
    retryAfterMs?: number,
    headers: Record<string, string> = {},
  ) {
    const body = problemBody(code, detail, PROBLEM_TABLE);
    super(body.status as ContentfulStatusCode, { message: detail });
    this.code = code;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
    this.headers = headers;
  }
}

const LOAD_CODES = new Set(["overloaded", "circuit-open", "service-unavailable", "rate-limited"]);

/**
 * A problem+json response for `code`. Every `429` and every load refusal carries
 * `Retry-After` (the contract's promise), the failure's own delay when it has one, else 1 s.
 */
export function problemResponse(code: string, detail: string, retryAfterMs?: number): Response {
  const body = problemBody(code, detail, PROBLEM_TABLE);
  const headers = new Headers({ "Content-Type": "application/problem+json" });
  if (body.status === 429 || LOAD_CODES.has(body.code) || retryAfterMs !== undefined) {
    headers.set("Retry-After", String(retryAfterSeconds(retryAfterMs)));
  }
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** Whether `code` is in the deployment's problem table (core codes and declared failures). */
export const isAnswerCode = (code: string): code is AnswerCode =>
  Object.hasOwn(PROBLEM_TABLE, code);

/**
 * An actor's expected failure, thrown as the edge's error type. A code no service declares
 * is a bug (the registry's failure-code test catches it): it answers 500 and is logged. A
 * failure after a broken attempt (`effectUnknown`) says so: only idempotent commands are
 * retried, so repeating the request is safe and answers what the broken attempt did.
 */
export function fromFailure(failure: Failure): Problem {
  const detail =
    failure.effectUnknown && failure.code !== RuntimeCodes.internalError
      ? `${failure.detail}; an earlier attempt broke in transit and may have taken effect: repeating the same request is safe and answers its outcome`
      : failure.detail;
  if (isAnswerCode(failure.code)) return new Problem(failure.code, detail, failure.retryAfterMs);
  // A saga that crashed after a durable step answers like a crash, already reported.
  if (failure.code !== RuntimeCodes.interrupted) {
    logEvent("error", "undeclared-failure-code", { code: failure.code, detail: failure.detail });
  }
  return new Problem("internal-error", detail, failure.retryAfterMs);
}

/** `app.onError`: problems as they are, other HTTP errors by status, anything else a 500. */
export function onError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof Problem) {
    const response = problemResponse(error.code, error.detail, error.retryAfterMs);
    for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
    return response;
  }
  if (error instanceof HTTPException) {
    const code =
      error.status === 413
        ? "payload-too-large"
        : error.status === 401
          ? "unauthorized"
          : "invalid-request";
    return problemResponse(code, error.message || "the request was not accepted");
  }
  // A bug: the one place a stack belongs in the logs.
  logEvent("error", "internal-error", {
    requestId: c.get("requestId"),
    error: error.message,
    stack: error.stack,
  });
  return problemResponse(
    "internal-error",
    "an unexpected error occurred while serving the request",
  );
}
