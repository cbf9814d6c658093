/** The prefix Standard Webhooks puts before a base64 symmetric secret. */
export const SECRET_PREFIX = "whsec_";

/** The spec recommends secrets of 24 to 64 bytes; we refuse anything outside that range. */
const MIN_BYTES = 24;
const MAX_BYTES = 64;

export type ParsedSecret =
  | { readonly ok: true; readonly key: Uint8Array }
  | { readonly ok: false; readonly error: string };

/**
 * Parses a `whsec_<base64>` secret into the HMAC key bytes (the decoded base64, as the
 * Standard Webhooks spec says). Any other shape is a configuration error whose message names
 * `field` and the expected form — never a reason to send unsigned or to sign with the text.
 */
export function parseWebhookSecret(raw: unknown, field = "NOTIFY_WEBHOOK_SECRET"): ParsedSecret {
  const expected = `${field} must be "${SECRET_PREFIX}" followed by base64 of ${MIN_BYTES}–${MAX_BYTES} bytes`;
  if (typeof raw !== "string" || raw === "")
    return { ok: false, error: `${expected}; it is not set` };
  if (!raw.startsWith(SECRET_PREFIX)) {
    return { ok: false, error: `${expected}; it does not start with "${SECRET_PREFIX}"` };
  }
  const encoded = raw.slice(SECRET_PREFIX.length);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) {
    return { ok: false, error: `${expected}; the part after "${SECRET_PREFIX}" is not base64` };
  }
  const key = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
    return { ok: false, error: `${expected}; it decodes to ${key.length} bytes` };
  }
  return { ok: true, key };
}
