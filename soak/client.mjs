/**
 * HTTP to the runtime under test. Never throws: a request that got no answer (the runtime
 * was killed, a timeout) is `status: 0`, an outcome whose effect is unknown.
 */
export const ADMIN_TOKEN = "soak-admin-token";

const TIMEOUT_MS = 15_000;

export function makeClient(runtime) {
  return async function call(method, path, { body, headers = {}, admin = false } = {}) {
    const h = { ...headers };
    if (body !== undefined) h["content-type"] = "application/json";
    if (admin) h.authorization = `Bearer ${ADMIN_TOKEN}`;
    try {
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      let json = null;
      try {
        json = text === "" ? null : JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: response.status, json, text };
    } catch (error) {
      return { status: 0, json: null, text: "", error: String(error?.cause ?? error) };
    }
  };
}

/** The order id the edge derives from an Idempotency-Key (SHA-256, first 32 hex digits). */
export async function orderIdOf(key) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `o_${hex.slice(0, 32)}`;
}
