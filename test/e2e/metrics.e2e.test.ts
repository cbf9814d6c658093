import { spawnSync } from "node:child_process";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { ADMIN, expectStatus, unique, useBulwark } from "./contract";
import { fetchJson } from "./harness";

/** A fast flush, so the contract's "within 5 s" is checked with room to spare. */
const FLUSH_MS = 250;
/** The contract: a request is reflected within 5 seconds of its answer. */
const VISIBLE_WITHIN_MS = 5000;

const api = useBulwark({ vars: { METRICS_FLUSH_MS: String(FLUSH_MS) } });

async function scrape(accept?: string) {
  const res = await fetch(api.url("/metrics"), {
    headers: { ...ADMIN, ...(accept ? { accept } : {}) },
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

const value = (families: ParsedFamily[], name: string, labels: Record<string, string>) =>
  families
    .find((f) => f.name === name)
    ?.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0) ?? 0;

/** Scrapes until `ok` holds, failing after the contract's 5 s. */
async function scrapeUntil(ok: (families: ParsedFamily[]) => boolean) {
  const until = Date.now() + VISIBLE_WITHIN_MS;
  for (;;) {
    const families = parsePrometheusTextFormat((await scrape()).text);
    if (ok(families)) return families;
    if (Date.now() > until) throw new Error("the traffic did not show in /metrics within 5 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const promtool = spawnSync("promtool", ["--version"]).status === 0;

describe("/metrics against wrangler dev", () => {
  it("refuses a scrape without the admin token", async () => {
    expect((await fetchJson(api.url("/metrics"))).status).toBe(401);
  });

  it("reflects real HTTP traffic within 5 s: holds, units sold, requests by route pattern", async () => {
    const sku = unique("e2e-metrics");
    expectStatus(
      await fetchJson(api.url(`/v1/skus/${sku}`), {
        method: "PUT",
        headers: ADMIN,
        json: { stock: 20 },
      }),
      200,
    );
    const holds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetchJson(api.url(`/v1/skus/${sku}/holds`), {
        method: "POST",
        json: { quantity: 2 },
      });
      expectStatus(res, 201);
      holds.push((res.body as { holdId: string }).holdId);
    }
    expectStatus(
      await fetchJson(api.url(`/v1/skus/${sku}/holds/${holds[0]}/confirm`), { method: "POST" }),
      200,
    );
    const families = await scrapeUntil(
      (f) =>
        value(f, "bulwark_units_sold_total", {}) >= 2 &&
        value(f, "bulwark_holds_total", { outcome: "placed" }) >= 5,
    );
    expect(value(families, "bulwark_holds_total", { outcome: "placed" })).toBe(5);
    expect(value(families, "bulwark_holds_total", { outcome: "confirmed" })).toBe(1);
    expect(value(families, "bulwark_units_sold_total", {})).toBe(2);
    const requests = await scrapeUntil(
      (f) =>
        value(f, "bulwark_http_requests_total", { route: "/v1/skus/:sku/holds/:holdId/confirm" }) >=
        1,
    );
    expect(
      value(requests, "bulwark_http_requests_total", {
        route: "/v1/skus/:sku/holds",
        method: "POST",
        status: "201",
      }),
    ).toBe(5);
    const { text } = await scrape();
    expect(text.includes(sku)).toBe(false); // no per-key label values
  });

  it("answers OpenMetrics when asked, ending with # EOF", async () => {
    const res = await scrape("application/openmetrics-text; version=1.0.0");
    expect(res.status).toBe(200);
    expect(res.type).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(res.text.endsWith("# EOF\n")).toBe(true);
  });

  it.runIf(promtool)("passes `promtool check metrics` (Prometheus' own linter)", async () => {
    const { text } = await scrape();
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe("");
    expect(lint.status).toBe(0);
  });

  it.skipIf(promtool)(
    "skips the promtool lint: promtool is not installed (apt-get install -y prometheus)",
    () => {},
  );
});
