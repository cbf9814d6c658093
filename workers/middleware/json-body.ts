import type { Context, MiddlewareHandler } from "hono";
import { logEvent } from "../../core/log";
import type { AppEnv } from "../context";
import { Problem } from "../errors";

/** The contract's body limit: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

function checkContentType(c: Context<AppEnv>): void {
  const header = c.req.raw.headers.get("Content-Type") ?? "";
  // The common exact spelling skips the split, trim and lower-casing.
  if (header === "application/json") return;
  const type = header.split(";")[0]?.trim().toLowerCase();
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
 * Reads the body as text, at most `maxBytes`. A body that declares its length within the
 * limit is read in one call (HTTP framing stops it at that length; this is the common case
 * and half the cost of the streamed read); one without Content-Length is streamed and cut
 * off at the limit, so it never gets past it either. A stream that fails while we read it is
 * the client's doing (it hung up mid-upload): an expected event, logged without a stack and
 * answered `400` (which the client rarely hears), never a `500` counted as our failure.
 */
async function readLimited(c: Context<AppEnv>, maxBytes: number): Promise<string> {
  const request = c.req.raw;
  const declared = Number(request.headers.get("Content-Length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const received = { bytes: 0 };
  try {
    // `request.body` builds a stream object: only the undeclared case needs one.
    if (Number.isInteger(declared) && declared >= 0) return await request.text();
    const body = request.body;
    if (!body) return "";
    return await readStreamed(body, maxBytes, received);
  } catch (error) {
    if (error instanceof Problem) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    logEvent("info", "request-body-aborted", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      receivedBytes: received.bytes,
      reason,
    });
    throw new Problem("invalid-request", `the request body could not be read: ${reason}`);
  }
}

/** Reads a body of undeclared length chunk by chunk, refusing it past `maxBytes`. */
async function readStreamed(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  received: { bytes: number },
): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received.bytes += value.byteLength;
    if (received.bytes > maxBytes) throw tooLarge(maxBytes);
    chunks.push(value);
  }
  const bytes = new Uint8Array(received.bytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * A JSON body, checked in the contract's order: content type (415), then size (413,
 * streamed), then JSON (400). A client that disconnects mid-upload is a `400` and an `info`
 * log line `request-body-aborted`, not an internal error.
 */
export async function readJsonBody(
  c: Context<AppEnv>,
  maxBytes = MAX_BODY_BYTES,
): Promise<unknown> {
  checkContentType(c);
  const text = await readLimited(c, maxBytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Problem("invalid-request", `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/** `readJsonBody` as middleware, for routes that are not a `serviceRoute`: sets `body`. */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async function jsonBodyMiddleware(c, next) {
    c.set("body", await readJsonBody(c, maxBytes));
    await next();
  };
}
