import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isProblemCode, type ProblemCode, problemBody, retryAfterSeconds } from "../core/http";
import { logEvent } from "../core/log";
import type { Failure } from "../durable-objects/runtime";
import type { AppEnv } from "./context";

/**
 * The edge's one error type: a contract `code`, a plain-words `detail`, and for load
 * refusals a `Retry-After`. Everything thrown ends in `onError`, the one place that writes
 * `application/problem+json`.
 */
export class Problem extends HTTPException {
  readonly code: ProblemCode;
  readonly detail: string;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ProblemCode,
    detail: string,
    retryAfterMs?: number,
    headers: Record<string, string> = {},
  ) {
    const body = problemBody(code, detail);
    super(body.status as ContentfulStatusCode, { message: detail });
    this.code = code;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
    this.headers = headers;
  }
}

const LOAD_CODES = new Set(["overloaded", "circuit-open", "service-unavailable", "rate-limited"]);

/** A problem+json response for `code`; load refusals carry `Retry-After`. */
export function problemResponse(code: string, detail: string, retryAfterMs?: number): Response {
  const body = problemBody(code, detail);
  const headers = new Headers({ "Content-Type": "application/problem+json" });
  if (LOAD_CODES.has(body.code) || retryAfterMs !== undefined) {
    headers.set("Retry-After", String(retryAfterSeconds(retryAfterMs)));
  }
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** An actor's expected failure, thrown as the edge's error type. */
export const fromFailure = (failure: Failure): Problem =>
  new Problem(
    isProblemCode(failure.code) ? failure.code : "internal-error",
    failure.detail,
    failure.retryAfterMs,
  );

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
