import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
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
    const text = await c.req.text();
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
 * For endpoints that take a body, in the contract's order: content type (415), then size
 * (413, streamed: a body without Content-Length is cut off at the limit too), then JSON.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return every(
    contentType(),
    bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new Problem("payload-too-large", `the body exceeds the ${maxBytes}-byte limit`);
      },
    }),
    parseJson(),
  );
}
