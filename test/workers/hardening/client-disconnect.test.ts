import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../../workers/app";
import { atShard, uniqueSku } from "../client";

/** A body that sends part of a JSON document, then breaks as a client hanging up would. */
function brokenUpload(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (sent) {
        controller.error(new Error("client disconnected"));
        return;
      }
      sent = true;
      controller.enqueue(new TextEncoder().encode('{"quantity": 1, "ttlSec'));
    },
  });
}

/**
 * A hold on a fresh sku (stock 5) whose body is `body`, straight into the app: across a
 * service binding workerd turns a broken stream into a truncated body, whereas a real
 * client's disconnect makes the body read throw. Returns the sku and the problem answered.
 */
async function holdWithBody(
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
): Promise<{ sku: string; status: number; problem: { code: string; detail: string } }> {
  const sku = uniqueSku();
  await atShard.putSku(sku, 5);
  const request = new Request(`http://edge.test/v1/skus/${sku}/holds`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
  });
  const response = await app.fetch(request, env, createExecutionContext());
  const problem = (await response.json()) as { code: string; detail: string };
  return { sku, status: response.status, problem };
}

describe("A client that disconnects mid-upload", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ["undeclared length (streamed read)", {}],
    ["a declared Content-Length (one read)", { "Content-Length": "40" }],
  ])(
    "is a client event with %s: 400, one info line without a stack, no internal-error, nothing held",
    async (_, length: Record<string, string>) => {
      const errors = vi.spyOn(console, "error");
      const infos = vi.spyOn(console, "log");
      const { sku, status, problem } = await holdWithBody(brokenUpload(), {
        "X-Request-Id": "upload-1",
        ...length,
      });
      expect({ status, code: problem.code }).toEqual({
        status: 400,
        code: "invalid-request",
      });
      expect(errors).not.toHaveBeenCalled();
      const lines = infos.mock.calls
        .map((args) => String(args[0]))
        .filter((line) => line.includes("request-body-aborted"));
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
      expect(line).toMatchObject({ level: "info", event: "request-body-aborted" });
      expect(line.requestId).toBe("upload-1");
      expect(JSON.stringify(line)).not.toContain("    at ");
      expect(await atShard.getSku(sku)).toMatchObject({ held: 0, available: 5 });
    },
  );
});

/** A whole body that is not JSON (it ends mid-document), sent as a stream of one chunk. */
function truncatedJson(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"quantity": 1, "ttlSec'));
      controller.close();
    },
  });
}

describe("A body that arrives whole but is not JSON", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ["undeclared length (streamed read)", {}],
    ["a declared Content-Length (one read)", { "Content-Length": "23" }],
  ])(
    "is the client's mistake with %s: 400 naming the JSON error, no aborted-upload line, nothing held",
    async (_, length: Record<string, string>) => {
      const infos = vi.spyOn(console, "log");
      const { sku, status, problem } = await holdWithBody(truncatedJson(), length);
      expect({ status, code: problem.code }).toEqual({
        status: 400,
        code: "invalid-request",
      });
      expect(problem.detail).toMatch(/^the body is not valid JSON: /);
      const aborted = infos.mock.calls.filter((args) =>
        String(args[0]).includes("request-body-aborted"),
      );
      expect(aborted).toEqual([]);
      expect(await atShard.getSku(sku)).toMatchObject({ held: 0, available: 5 });
    },
  );
});
