/** One JSON request with fetch; resolves to `{ status, body }` (body parsed when JSON). */
export async function requestJson(url, { method = "GET", headers = {}, body } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body: parsed };
}

/** Like `requestJson`, but throws unless the status is one of `expect` (default 2xx). */
export async function expectJson(url, opts = {}, expect = null) {
  const res = await requestJson(url, opts);
  const okay = expect ? expect.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!okay) {
    throw new Error(
      `${opts.method ?? "GET"} ${url} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`,
    );
  }
  return res;
}
