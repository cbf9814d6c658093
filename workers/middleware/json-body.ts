import type { Context, MiddlewareHandler } from "hono";
import { logEvent } from "../../core/log";
import type { AppEnv } from "../context";
import { Problem } from "../errors";

/** The contract's body limit: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

function checkContentType(c: Context<AppEnv>): void {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new Problem(
      "unsupported-media-type",
      `Content-Type must be application/json, got ${type ? `"${type}"` : "none"}`,
    );
  }
}

const tooLarge = (maxBytes: number) =>
  new Problem("payload-too-large", `the body exceeds the ${maxBytes}-byte limit`);

/**
 * Reads the body as text, cut off at `maxBytes` (streamed, so a body without
 * Content-Length never gets past the limit either). A stream that fails while we read it is
 * the client's doing (it hung up mid-upload): an expected event, logged without a stack and
 * answered `400` (which the client rarely hears), never a `500` counted as our failure.
 */
async function readLimited(c: Context<AppEnv>, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header("Content-Length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof Problem) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    logEvent("info", "request-body-aborted", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      receivedBytes: size,
      reason,
    });
    throw new Problem("invalid-request", `the request body could not be read: ${reason}`);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * For endpoints that take a body, in the contract's order: content type (415), then size
 * (413, streamed), then JSON (400). A client that disconnects mid-upload is a `400` and an
 * `info` log line `request-body-aborted`, not an internal error.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async function jsonBodyMiddleware(c, next) {
    checkContentType(c);
    const text = await readLimited(c, maxBytes);
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
