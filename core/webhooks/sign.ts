const encoder = new TextEncoder();

function base64(bytes: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The three Standard Webhooks headers of one delivery attempt. */
export interface WebhookHeaders {
  readonly "webhook-id": string;
  readonly "webhook-timestamp": string;
  readonly "webhook-signature": string;
}

/**
 * `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` keyed with `key` (the decoded
 * secret), as the Standard Webhooks spec defines it. WebCrypto only, so it runs anywhere.
 */
export async function signature(
  key: Uint8Array,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signed = await crypto.subtle.sign(
    "HMAC",
    hmac,
    encoder.encode(`${id}.${timestampSeconds}.${body}`),
  );
  return `v1,${base64(signed)}`;
}

/**
 * The headers of one attempt: the id stays the same on every retry, the timestamp is this
 * attempt's Unix seconds (so receivers can reject replays), the signature covers both.
 */
export async function webhookHeaders(
  key: Uint8Array,
  id: string,
  body: string,
  now: number,
): Promise<WebhookHeaders> {
  const timestamp = Math.floor(now / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signature(key, id, timestamp, body),
  };
}
