import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alarmId } from "../../core/alarms";
import { alarmManager } from "../../durable-objects";
import { expectProblem, http, send, uniqueSku } from "./client";

const alarms = () => alarmManager(env);
const JSON_HEADERS = {
  "Content-Type": "application/json",
  Authorization: "Bearer test-admin-token",
};

describe("GET /v1/ops/alarms", () => {
  it("answers active alarms most severe first, history newest first and the summary", async () => {
    const sku = uniqueSku();
    await alarms().raise({ name: "stock-depleted", source: sku });
    await alarms().raise({ name: "service-down", source: sku });
    const r = await http("GET", "/v1/ops/alarms", { admin: true });
    expect(r.status).toBe(200);
    const body = r.json as unknown as {
      active: { severity: string; source: string }[];
      history: { seq: number; alarmId: string; event: string }[];
      summary: Record<string, { new: number; acknowledged: number }>;
    };
    const mine = body.active.filter((a) => a.source === sku).map((a) => a.severity);
    expect(mine).toEqual(["critical", "warning"]);
    expect(body.history[0]).toMatchObject({ event: expect.any(String), seq: expect.any(Number) });
    expect(body.history.length).toBeLessThanOrEqual(100);
    expect(body.summary.critical?.new).toBeGreaterThanOrEqual(1);
    const seqs = body.history.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const page = await http("GET", `/v1/ops/alarms?before=${seqs[0]}`, { admin: true });
    expect((page.json.history as { seq: number }[])[0]?.seq).toBe(seqs[1]);
    await alarms().clear("stock-depleted", sku);
    await alarms().clear("service-down", sku);
  });

  it("needs the admin token", async () => {
    expectProblem(await http("GET", "/v1/ops/alarms"), 401, "unauthorized");
    expectProblem(await http("GET", "/v1/ops/notifications"), 401, "unauthorized");
    expectProblem(await http("POST", "/v1/ops/alarms/x.eA/ack"), 401, "unauthorized");
  });

  it.each(["abc", "0", "-3", "1.5"])("answers 400 for ?before=%s", async (before) => {
    expectProblem(
      await http("GET", `/v1/ops/alarms?before=${before}`, { admin: true }),
      400,
      "invalid-request",
    );
  });

  it("answers 405 for other methods", async () => {
    expectProblem(
      await http("DELETE", "/v1/ops/alarms", { admin: true }),
      405,
      "method-not-allowed",
    );
  });
});

describe("POST /v1/ops/alarms/{id}/ack", () => {
  it("acknowledges with a note and answers the alarm", async () => {
    const raised = await alarms().raise({ name: "stock-depleted", source: uniqueSku() });
    const r = await http("POST", `/v1/ops/alarms/${raised.id}/ack`, {
      admin: true,
      body: { note: "restocking" },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: raised.id,
      acknowledged: { by: "admin", at: expect.any(String), note: "restocking" },
    });
    const summary = (await alarms().list()).summary.warning;
    expect(summary.acknowledged).toBeGreaterThanOrEqual(1);
    await alarms().clear(raised.name, raised.source);
  });

  it("accepts no body at all", async () => {
    const raised = await alarms().raise({ name: "stock-depleted", source: uniqueSku() });
    const r = await http("POST", `/v1/ops/alarms/${raised.id}/ack`, { admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ acknowledged: { by: "admin" } });
    expect((r.json.acknowledged as Record<string, unknown>).note).toBeUndefined();
    await alarms().clear(raised.name, raised.source);
  });

  it("refuses unknown fields and notes over 500 characters with 400, changing nothing", async () => {
    const raised = await alarms().raise({ name: "stock-depleted", source: uniqueSku() });
    for (const body of [{ note: "x", by: "mallory" }, { note: "x".repeat(501) }, { note: 5 }]) {
      expectProblem(
        await http("POST", `/v1/ops/alarms/${raised.id}/ack`, { admin: true, body }),
        400,
        "invalid-request",
      );
    }
    expectProblem(
      await send("POST", `/v1/ops/alarms/${raised.id}/ack`, {
        headers: JSON_HEADERS,
        body: "{oops",
      }),
      400,
      "invalid-request",
    );
    expectProblem(
      await send("POST", `/v1/ops/alarms/${raised.id}/ack`, {
        headers: { ...JSON_HEADERS, "Content-Type": "text/plain" },
        body: "hi",
      }),
      415,
      "unsupported-media-type",
    );
    expect((await alarms().list()).active.find((a) => a.id === raised.id)?.acknowledged).toBeNull();
    const ok = await http("POST", `/v1/ops/alarms/${raised.id}/ack`, {
      admin: true,
      body: { note: "x".repeat(500) },
    });
    expect(ok.status).toBe(200);
    await alarms().clear(raised.name, raised.source);
  });

  it("answers 404 when no such alarm is active", async () => {
    expectProblem(
      await http("POST", `/v1/ops/alarms/${alarmId("stock-depleted", uniqueSku())}/ack`, {
        admin: true,
      }),
      404,
      "not-found",
    );
    expectProblem(
      await http("POST", "/v1/ops/alarms/not-an-id/ack", { admin: true }),
      404,
      "not-found",
    );
  });
});

describe("POST /v1/ops/alarms/{id}/clear", () => {
  it("clears an event alarm (dead-letters) and answers it", async () => {
    const raised = await alarms().deadLettered(uniqueSku("q"), 1);
    const r = await http("POST", `/v1/ops/alarms/${raised.id}/clear`, { admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: raised.id, name: "dead-letters" });
    expect((await alarms().list()).active.some((a) => a.id === raised.id)).toBe(false);
  });

  it("answers 409 manual-clear-not-allowed for a condition alarm and keeps it", async () => {
    const raised = await alarms().raise({ name: "stock-depleted", source: uniqueSku() });
    expectProblem(
      await http("POST", `/v1/ops/alarms/${raised.id}/clear`, { admin: true }),
      409,
      "manual-clear-not-allowed",
    );
    expect((await alarms().list()).active.some((a) => a.id === raised.id)).toBe(true);
    await alarms().clear(raised.name, raised.source);
  });

  it("answers 404 for an alarm that is not active", async () => {
    expectProblem(
      await http("POST", `/v1/ops/alarms/${alarmId("dead-letters", uniqueSku())}/clear`, {
        admin: true,
      }),
      404,
      "not-found",
    );
  });
});

describe("GET /v1/ops/notifications", () => {
  it("answers the delivery log and whether notifications are on", async () => {
    const r = await http("GET", "/v1/ops/notifications", { admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      endpoint: { state: "off", error: null },
      deliveries: expect.any(Array),
    });
  });
});
