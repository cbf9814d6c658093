import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { latencySummary, round } from "./stats.mjs";

/**
 * Open-loop load at a fixed arrival rate: request i is due at `start + i / rate`, whether or
 * not earlier ones were answered, so a slow server cannot slow the offered load down (no
 * coordinated omission). Latency is measured from the *due* time to the end of the answer,
 * which includes any wait for a free socket: what a client arriving at that moment sees.
 *
 * Why not autocannon's `overallRate`: it gives each connection a per-second quota that the
 * connection spends back to back at the start of each second (closed loop), so the offered
 * load arrives in bursts — a token bucket with a small burst would refuse most of each burst
 * and then idle, which measures the generator, not the regulator.
 *
 * Options: `url`, `method`, `headers`, `body` (object, sent as JSON), `rate` (req/s),
 * `seconds`, `maxSockets` (default 256), `timeoutMs` (default 5000, counted from the due
 * time; the request is then aborted and counted as a timeout), `onBody(status, text)`
 * (optional, called for each answer, e.g. to collect ids).
 *
 * Resolves to latency summaries per outcome — `ok` (2xx), `refused` (503), `other` — with
 * `okLatencies` (every 2xx latency), `byStatus` (count per code), `problems` (count per
 * "status code" of non-2xx answers, e.g. "503 overloaded", first body of each in
 * `problemSamples`), `refusedWithoutRetryAfter`, `timeouts`, `errors`, and the generator's
 * own health: `sent`, `sendRate`, `lagP99` (ms a send started after its due time),
 * `maxInFlight`.
 */
export async function runOpenLoop(opts) {
  const { url, method = "GET", headers = {}, body, rate, seconds } = opts;
  const { maxSockets = 256, timeoutMs = 5_000, onBody } = opts;
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const target = new URL(url);
  const requestOptions = {
    host: target.hostname,
    port: target.port,
    path: target.pathname + target.search,
    method,
    agent,
    headers: payload
      ? { "content-type": "application/json", ...headers, "content-length": payload.length }
      : headers,
  };
  const tally = new Tally(onBody);
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const pending = [];
  const start = performance.now();
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      while (sent < total && start + sent * interval <= performance.now()) {
        pending.push(fire(requestOptions, payload, start + sent * interval, timeoutMs, tally));
        sent += 1;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.floor(start + sent * interval - performance.now())));
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(pending);
  agent.destroy();
  return { rate, seconds, sent, sendRate: round(sent / sendSeconds, 1), ...tally.result() };
}

/** Sends one request due at `due`; resolves once it is answered, failed or timed out. */
function fire(requestOptions, payload, due, timeoutMs, tally) {
  return new Promise((done) => {
    const startedAt = performance.now();
    tally.started(startedAt - due);
    let settled = false;
    const settle = (record) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      record(performance.now() - due);
      done();
    };
    const req = request(requestOptions, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("error", () => settle(() => tally.error()));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        settle((ms) => tally.answer(res.statusCode, res.headers, text, ms));
      });
    });
    const timer = setTimeout(
      () => {
        settle(() => tally.timeout());
        req.destroy();
      },
      Math.max(1, timeoutMs - (startedAt - due)),
    );
    req.on("error", () => settle(() => tally.error()));
    req.end(payload);
  });
}

/** Counts and latencies of one open-loop run, per outcome. */
class Tally {
  #onBody;
  #lat = { ok: [], refused: [], other: [] };
  #lags = [];
  #byStatus = {};
  #problems = {};
  #problemSamples = {};
  #noRetryAfter = 0;
  #timeouts = 0;
  #errors = 0;
  #inFlight = 0;
  #maxInFlight = 0;

  constructor(onBody) {
    this.#onBody = onBody;
  }

  started(lagMs) {
    this.#lags.push(lagMs);
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
  }

  answer(status, headers, text, ms) {
    this.#inFlight -= 1;
    this.#byStatus[status] = (this.#byStatus[status] ?? 0) + 1;
    if (status >= 200 && status < 300) this.#lat.ok.push(ms);
    else if (status === 503) this.#lat.refused.push(ms);
    else this.#lat.other.push(ms);
    if (status === 503 && headers["retry-after"] === undefined) this.#noRetryAfter += 1;
    if (status >= 300) {
      const key = `${status} ${problemCode(text)}`;
      this.#problems[key] = (this.#problems[key] ?? 0) + 1;
      this.#problemSamples[key] ??= text.slice(0, 300);
    }
    this.#onBody?.(status, text);
  }

  timeout() {
    this.#inFlight -= 1;
    this.#timeouts += 1;
  }

  error() {
    this.#inFlight -= 1;
    this.#errors += 1;
  }

  result() {
    const summary = (values) => {
      const s = latencySummary(values);
      return { count: s.count, p50: round(s.p50, 2), p99: round(s.p99, 2), max: round(s.max, 2) };
    };
    return {
      lagP99: round(latencySummary(this.#lags).p99, 2),
      maxInFlight: this.#maxInFlight,
      byStatus: this.#byStatus,
      problems: this.#problems,
      problemSamples: this.#problemSamples,
      ok: summary(this.#lat.ok),
      refused: summary(this.#lat.refused),
      other: summary(this.#lat.other),
      okLatencies: this.#lat.ok,
      refusedWithoutRetryAfter: this.#noRetryAfter,
      timeouts: this.#timeouts,
      errors: this.#errors,
    };
  }
}

/** The `code` of a problem+json body, or "?" when the body is not one. */
function problemCode(text) {
  try {
    return JSON.parse(text).code ?? "?";
  } catch {
    return "?";
  }
}
