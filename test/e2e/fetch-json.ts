/** An answer with its body already read: parsed JSON when the server said JSON, else text. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  /** JSON value for `application/json` and `application/*+json`; text otherwise; `""` if empty. */
  body: unknown;
}

/**
 * `RequestInit` plus `json`: a value to send as the JSON body, with
 * `Content-Type: application/json` unless the caller set another content type (which is how
 * tests send a JSON body under a wrong type).
 */
export type JsonRequestInit = RequestInit & { json?: unknown };

const REQUEST_TIMEOUT_MS = 30_000;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * Sends one request and reads the whole answer. Rejects only when there is no answer (or it
 * claims JSON and is not), never because of the status: tests assert statuses themselves.
 * Times out after 30 s unless `init.signal` says otherwise.
 */
export async function fetchJson(url: string, init: JsonRequestInit = {}): Promise<JsonResponse> {
  const { json, ...rest } = init;
  const request = json === undefined ? rest : withJsonBody(rest, json);
  const response = await fetch(url, {
    ...request,
    signal: request.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  const body = parseBody(text, response.headers.get("content-type"), `${response.status} ${url}`);
  return { status: response.status, headers: response.headers, body };
}

function withJsonBody(init: RequestInit, json: unknown): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return { ...init, headers, body: JSON.stringify(json) };
}

function parseBody(text: string, contentType: string | null, what: string): unknown {
  if (text === "" || contentType === null || !JSON_TYPE.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} says ${contentType} but its body is not JSON: ${text.slice(0, 200)}`);
  }
}
