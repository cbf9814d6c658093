import autocannon from "autocannon";
import { latencySummary, round } from "./stats.mjs";

/**
 * Closed-loop load with autocannon: `connections` keep-alive connections, each sending its
 * next request as soon as the previous answer arrives, for `seconds`. Latencies are taken
 * per response from autocannon's own hrtime measurement (fractional ms, not its 1 ms
 * histogram), so p50/p99 are exact over every 2xx answer of the run.
 *
 * Resolves to `{ rps, p50, p99, max, requests, ok, non2xx, errors, timeouts, statuses,
 * seconds, latencies }` where `rps` counts 2xx answers per second (goodput), `requests`
 * every answer; its unenumerable `latencies` are the 2xx latencies in ms (for `mergeLoads`).
 */
export function runLoad({
  url,
  method = "GET",
  headers = {},
  body,
  connections = 50,
  seconds = 10,
  timeoutSeconds = 10,
}) {
  const latencies = [];
  const statuses = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        connections,
        duration: seconds,
        timeout: timeoutSeconds,
        excludeErrorStats: true,
      },
      (error, result) => {
        if (error) return reject(error);
        const ok = latencies.length;
        const elapsed = result.duration; // seconds, as autocannon measured it
        const { p50, p99, max } = latencySummary(latencies);
        const summary = {
          rps: round(ok / elapsed, 1),
          p50: round(p50, 2),
          p99: round(p99, 2),
          max: round(max, 2),
          requests: result.requests.total,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statuses,
          seconds: round(elapsed, 2),
        };
        resolve(withLatencies(summary, latencies));
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/**
 * One result over several runs of the same load (e.g. slices interleaved with other
 * servers'): goodput over their summed time, percentiles over all their 2xx latencies.
 */
export function mergeLoads(runs) {
  const latencies = runs.flatMap((r) => r.latencies);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const sum = (field) => runs.reduce((total, r) => total + r[field], 0);
  const statuses = {};
  for (const r of runs) {
    for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  const { p50, p99, max } = latencySummary(latencies);
  const summary = {
    rps: round(latencies.length / seconds, 1),
    p50: round(p50, 2),
    p99: round(p99, 2),
    max: round(max, 2),
    requests: sum("requests"),
    ok: latencies.length,
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    timeouts: sum("timeouts"),
    statuses,
    seconds: round(seconds, 2),
  };
  return withLatencies(summary, latencies);
}

/** Attaches the raw latencies unenumerable, so results written as JSON stay small. */
const withLatencies = (summary, latencies) =>
  Object.defineProperty(summary, "latencies", { value: latencies, enumerable: false });
