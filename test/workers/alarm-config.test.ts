import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  alarmConfig,
  alarmConfigErrors,
  notifyConfig,
} from "../../durable-objects/visibility/alarms";
import worker from "../../workers";

const SECRET = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;

describe("alarm configuration", () => {
  it("has documented defaults", () => {
    const config = alarmConfig({});
    expect(config).toMatchObject({
      tickMs: 5000,
      overload: { raiseAfterMs: 10_000, clearAfterMs: 30_000 },
      backlogAgeMs: 30_000,
      backlog: { raiseAfterMs: 0, clearAfterMs: 10_000 },
      deadLettersClearMs: 900_000,
      partitionGaveUpClearMs: 600_000,
      actionLimit: { max: 6, perMs: 3_600_000 },
      downRecoveryMs: 60_000,
    });
    expect([...config.automation]).toEqual([
      "recover-down-service",
      "queue-on-overload",
      "slow-backlog-intake",
    ]);
    expect(alarmConfig({ ALARM_AUTOMATION: "none" }).automation.size).toBe(0);
    expect([...alarmConfig({ ALARM_AUTOMATION: "queue-on-overload" }).automation]).toEqual([
      "queue-on-overload",
    ]);
  });

  it.each([
    [{ ALARM_TICK_MS: "5" }, "ALARM_TICK_MS must be an integer from 10 to 600000"],
    [{ OVERLOAD_RAISE_MS: "soon" }, "OVERLOAD_RAISE_MS must be an integer"],
    [{ ALARM_AUTOMATION: "reboot-everything" }, "unknown: reboot-everything"],
    [{ AUTOMATION_MAX_ACTIONS: "0" }, "AUTOMATION_MAX_ACTIONS must be an integer from 1 to 1000"],
  ])("refuses %j with a message naming the var and its limits", (vars, message) => {
    expect(() => alarmConfig(vars)).toThrow(message);
    expect(alarmConfigErrors(vars)).toEqual([expect.stringContaining(message)]);
  });

  it("turns notifications off without a URL, on with a URL and a whsec_ secret, invalid otherwise", () => {
    expect(notifyConfig({})).toEqual({ state: "off" });
    expect(
      notifyConfig({ NOTIFY_WEBHOOK_URL: "https://h.test/x", NOTIFY_WEBHOOK_SECRET: SECRET }),
    ).toMatchObject({
      state: "on",
      url: "https://h.test/x",
      retryBaseMs: 5000,
    });
    expect(
      notifyConfig({ NOTIFY_WEBHOOK_URL: "ftp://h.test/x", NOTIFY_WEBHOOK_SECRET: SECRET }),
    ).toMatchObject({
      state: "invalid",
      error: expect.stringContaining("NOTIFY_WEBHOOK_URL"),
    });
    expect(notifyConfig({ NOTIFY_WEBHOOK_URL: "https://h.test/x" })).toMatchObject({
      state: "invalid",
      error: expect.stringContaining("NOTIFY_WEBHOOK_SECRET"),
    });
    expect(
      notifyConfig({
        NOTIFY_WEBHOOK_URL: "https://h.test/x",
        NOTIFY_WEBHOOK_SECRET: SECRET,
        NOTIFY_RETRY_BASE_MS: "-1",
      }),
    ).toMatchObject({ state: "invalid", error: expect.stringContaining("NOTIFY_RETRY_BASE_MS") });
  });

  it("reports a bad alarm var on /readyz", async () => {
    const response = await worker.fetch(
      new Request("http://edge.test/readyz"),
      { ...env, ALARM_AUTOMATION: "reboot-everything" },
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      reasons: [expect.stringContaining("ALARM_AUTOMATION")],
    });
  });
});
