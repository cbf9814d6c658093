import { env, exports } from "cloudflare:workers";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { ADMIN } from "../workers/client";

/** Scrapes `/metrics` as Prometheus would and parses it with an independent parser. */
export async function scrape(headers: Record<string, string> = {}) {
  const response = await exports.default.fetch("http://edge.test/metrics", {
    headers: { Authorization: ADMIN, ...headers },
  });
  const text = await response.text();
  const families = response.status === 200 ? parsePrometheusTextFormat(text) : [];
  return {
    status: response.status,
    contentType: response.headers.get("Content-Type"),
    text,
    families,
  };
}

const matches = (labels: Readonly<Record<string, string>> = {}, want: Record<string, string>) =>
  Object.entries(want).every(([k, v]) => labels[k] === v);

/** The value of the one series of `family` whose labels include `want` (sums if several). */
export function sample(
  families: readonly ParsedFamily[],
  family: string,
  want: Record<string, string> = {},
) {
  const found = families.find((f) => f.name === family);
  if (!found) return undefined;
  return found.metrics
    .filter((m) => matches(m.labels, want))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

/** The contract: a request is reflected within 5 seconds of its answer. */
export const VISIBLE_WITHIN_MS = 5000;

/** The flush interval the tests run with (vitest.config.ts); it must fit the contract. */
export const FLUSH_MS = Number(env.METRICS_FLUSH_MS);

/** A test budget that fits a few scrapes-until-visible and the traffic around them. */
export const TEST_BUDGET_MS = VISIBLE_WITHIN_MS * 6;

/** Scrapes until `ok` holds on the parsed families, or gives up after `VISIBLE_WITHIN_MS`. */
export async function scrapeUntil(ok: (families: ParsedFamily[]) => boolean) {
  const until = Date.now() + VISIBLE_WITHIN_MS;
  for (;;) {
    const { families } = await scrape();
    if (ok(families) || Date.now() > until) return families;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A scrape taken once earlier tests' traffic has been flushed: the named families read the
 * same in two scrapes several flush intervals apart (fails after `VISIBLE_WITHIN_MS` × 3).
 */
export async function settledScrape(names: readonly string[]) {
  const pick = (families: ParsedFamily[]) =>
    JSON.stringify(families.filter((f) => names.includes(f.name)));
  const until = Date.now() + VISIBLE_WITHIN_MS * 3;
  let last = (await scrape()).families;
  for (;;) {
    // Several flush intervals (at least a second): a flush in flight must have landed.
    await new Promise((r) => setTimeout(r, Math.max(1000, FLUSH_MS * 5)));
    const next = (await scrape()).families;
    if (pick(next) === pick(last)) return next;
    if (Date.now() > until) throw new Error(`metrics did not settle: ${names.join(", ")}`);
    last = next;
  }
}
