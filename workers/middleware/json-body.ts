import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { HTTPException } from "hono/http-exception";
import { logEvent } from "../../core/log";
import type { AppEnv } from "../context";
import { Problem } from "../errors";

/** The contract's body limit: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

function contentType(): MiddlewareHandler<AppEnv> {
  return async function contentTypeMiddleware(c, next) {
    const type = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") {
      throw new Problem(
        "unsupported-media-type",
        `Content-Type must be application/json, got ${type ? `"${type}"` : "none"}`,
      );
    }
    await next();
  };
}

function parseJson(): MiddlewareHandler<AppEnv> {
  return async function parseJsonMiddleware(c, next) {
    let text: string;
    try {
      text = await c.req.text();
    } catch (error) {
      throw unreadable(c, error);
    }
    try {
      c.set("body", JSON.parse(text));
    } catch (error) {
      throw new Problem(
        "invalid-request",
        `the body is not valid JSON: ${(error as Error).message}`,
      );
    }
    await next();
  };
}

/**
 * A body that broke off while being read (the client went away mid-upload) is an expected
 * condition: a 400 and an `info` line without a stack, never a 500 `internal-error`. The size
 * limit's own 413 passes through.
 */
function unreadable(c: Context<AppEnv>, error: unknown): Error {
  if (error instanceof HTTPException) return error;
  logEvent("info", "request-body-unreadable", {
    requestId: c.get("requestId"),
    error: error instanceof Error ? error.message : String(error),
  });
  return new Problem(
    "invalid-request",
    "the request body could not be read: the client stopped sending it",
  );
}

/** `bodyLimit`, with a stream that fails while it counts reported by `unreadable`. */
function sizeLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new Problem("payload-too-large", `the body exceeds the ${maxBytes}-byte limit`);
    },
  });
  return async function sizeLimitMiddleware(c, next) {
    let downstream = false;
    try {
      await limit(c, () => {
        downstream = true;
        return next();
      });
    } catch (error) {
      throw downstream ? error : unreadable(c, error);
    }
  };
}

/**
 * For endpoints that take a body, in the contract's order: content type (415), then size
 * (413, streamed: a body without Content-Length is cut off at the limit too), then JSON.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return every(contentType(), sizeLimit(maxBytes), parseJson());
}
