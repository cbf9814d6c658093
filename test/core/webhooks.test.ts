import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  notifyRetryDelayMs,
  outcomeOf,
  parseWebhookSecret,
  retryAfterMs,
  webhookHeaders,
} from "../../core/webhooks";

const SECRET = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;

function key(): Uint8Array {
  const parsed = parseWebhookSecret(SECRET);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.key;
}

describe("webhook signing (verified by the standardwebhooks package)", () => {
  it("produces headers the reference verifier accepts, for any body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.uuid(), async (text, uuid) => {
        const body = JSON.stringify({ type: "alarm.raised", text });
        const id = `msg_${uuid}`;
        const headers = await webhookHeaders(key(), id, body, Date.now());
        expect(new Webhook(SECRET).verify(body, { ...headers })).toEqual(JSON.parse(body));
      }),
      { numRuns: 50 },
    );
  });

  it("matches the reference signer byte for byte", async () => {
    const at = new Date("2026-01-02T03:04:05Z");
    const headers = await webhookHeaders(key(), "msg_1", '{"a":1}', at.getTime());
    expect(headers["webhook-timestamp"]).toBe(String(at.getTime() / 1000));
    expect(headers["webhook-signature"]).toBe(new Webhook(SECRET).sign("msg_1", at, '{"a":1}'));
  });

  it("fails verification when the body, id or timestamp was changed", async () => {
    const now = Date.now();
    const headers = { ...(await webhookHeaders(key(), "msg_2", '{"a":1}', now)) };
    const hook = new Webhook(SECRET);
    expect(() => hook.verify('{"a":2}', headers)).toThrow();
    expect(() => hook.verify('{"a":1}', { ...headers, "webhook-id": "msg_3" })).toThrow();
    const later = String(Math.floor(now / 1000) + 1);
    expect(() => hook.verify('{"a":1}', { ...headers, "webhook-timestamp": later })).toThrow();
  });
});

describe("webhook secrets", () => {
  it("accepts whsec_ + base64 of 24–64 bytes", () => {
    expect(parseWebhookSecret(SECRET)).toMatchObject({ ok: true });
  });

  it.each([
    ["unset", undefined, "it is not set"],
    ["plain text", "test-webhook-secret", 'does not start with "whsec_"'],
    ["not base64", "whsec_not*base64!", "is not base64"],
    ["too short", `whsec_${btoa("short")}`, "decodes to 5 bytes"],
  ])("refuses a secret that is %s, naming the variable", (_, raw, reason) => {
    const parsed = parseWebhookSecret(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toContain("NOTIFY_WEBHOOK_SECRET");
      expect(parsed.error).toContain(reason);
    }
  });
});

describe("notification retries", () => {
  it("delivers on 2xx, stops on 410, retries anything else", () => {
    expect([200, 204, 299].map(outcomeOf)).toEqual(["delivered", "delivered", "delivered"]);
    expect(outcomeOf(410)).toBe("gone");
    expect([null, 301, 400, 404, 429, 500, 503].map(outcomeOf)).toEqual(Array(7).fill("retry"));
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("7", now)).toBe(7000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs(null, now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBe(0);
  });

  it("backs off exponentially with full jitter from the base, and honours a longer Retry-After", () => {
    const top = () => 1 - Number.EPSILON;
    const bottom = () => 0;
    expect(notifyRetryDelayMs(1, 5000, 0, bottom)).toBe(5000);
    expect(notifyRetryDelayMs(1, 5000, 0, top)).toBe(9999);
    expect(notifyRetryDelayMs(3, 5000, 0, top)).toBe(5000 + 19_999);
    expect(notifyRetryDelayMs(1, 5000, 60_000, top)).toBe(60_000);
    expect(notifyRetryDelayMs(1, 5000, 1000, bottom)).toBe(5000);
    expect(notifyRetryDelayMs(40, 5000, 0, top)).toBe(3_600_000);
  });
});
