import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers";
import { ADMIN, http, putSku, uniqueSku } from "../workers/client";
import { TEST_BUDGET_MS } from "./scrape";

/** The structured lines written to the console while `run` ran, parsed. */
async function logsDuring(run: () => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  const capture = (...args: unknown[]) => {
    try {
      lines.push(JSON.parse(String(args[0])));
    } catch {
      lines.push({ prose: String(args[0]) });
    }
  };
  const spies = (["log", "warn", "error"] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(capture),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines;
}

afterEach(async () => {
  await http("DELETE", "/v1/ops/faults", { admin: true });
});

describe("structured logs", { timeout: TEST_BUDGET_MS }, () => {
  it("a client that disconnects mid-upload gets a 400, logged as such: no internal-error, no stack", async () => {
    // The Worker's own fetch with a body stream that breaks off, as a vanished client's does.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"stock": 1'));
        controller.error(new Error("client went away"));
      },
    });
    const request = new Request(`http://edge.test/v1/skus/${uniqueSku()}`, {
      method: "PUT",
      body,
      headers: {
        "Content-Type": "application/json",
        Authorization: ADMIN,
        "X-Request-Id": "req-gone",
      },
    });
    let status = 0;
    let code: unknown;
    const lines = await logsDuring(async () => {
      const response = await worker.fetch(request, env, createExecutionContext());
      status = response.status;
      code = ((await response.json()) as { code?: unknown }).code;
    });
    expect({ status, code }).toEqual({ status: 400, code: "invalid-request" });
    expect(lines.some((l) => l.event === "internal-error")).toBe(false);
    const line = lines.find((l) => l.event === "request-body-unreadable");
    expect(line).toMatchObject({ level: "info", requestId: "req-gone" });
    expect(line).not.toHaveProperty("stack");
  });

  it("a crash is one JSON line (actor-crashed) and its restart another (actor-restarted)", async () => {
    const sku = uniqueSku();
    await putSku(sku, 3);
    await http("POST", "/v1/ops/faults", {
      admin: true,
      body: { service: "inventory", sku, kind: "crash" },
    });
    const lines = await logsDuring(async () => {
      const r = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });
      expect(r.status).toBe(500);
    });
    const crash = lines.find((l) => l.event === "actor-crashed");
    expect(crash).toMatchObject({ level: "error", service: "inventory", reason: "injected crash" });
    expect(crash).not.toHaveProperty("stack");
    expect(lines.find((l) => l.event === "actor-restarted")).toMatchObject({
      supervisor: "inventory",
    });
    expect(lines.filter((l) => "prose" in l)).toEqual([]);
  });
});
