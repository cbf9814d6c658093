import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ParsedFamily } from "parse-prometheus-text-format";
import { afterEach, describe, expect, it } from "vitest";
import type { HistogramSeries } from "../../core/metrics";
import { ShardRouter } from "../../durable-objects";
import { alarmManager } from "../../durable-objects/visibility/alarms";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { monitorFamilies } from "../../workers/visibility/sources";
import {
  expectProblem,
  http,
  inventoryShard,
  placeOrder,
  putSku,
  uniqueSku,
} from "../workers/client";
import { sample, scrape, scrapeUntil, settledScrape, TEST_BUDGET_MS } from "./scrape";

const HOLDS = "/v1/skus/:sku/holds";
const hold = (sku: string, quantity = 1, ttlSeconds?: number) =>
  http("POST", `/v1/skus/${sku}/holds`, {
    body: ttlSeconds ? { quantity, ttlSeconds } : { quantity },
  });
const holds = (f: ParsedFamily[], outcome: string) =>
  sample(f, FAMILIES.holds.name, { outcome }) ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await http("DELETE", "/v1/ops/faults", { admin: true });
});

describe("GET /metrics", { timeout: TEST_BUDGET_MS }, () => {
  it("needs the admin token (401 problem)", async () => {
    expectProblem(await http("GET", "/metrics"), 401, "unauthorized");
    expectProblem(
      await http("GET", "/metrics", { headers: { Authorization: "Bearer wrong" } }),
      401,
      "unauthorized",
    );
  });

  it("speaks the Prometheus text format 0.0.4 with every family of the contract, typed, with HELP", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    expect((await hold(sku)).status).toBe(201);
    const families = await scrapeUntil((f) =>
      f.some(
        (x) =>
          x.name === FAMILIES.httpDuration.name && x.metrics.some((m) => m.labels?.route === HOLDS),
      ),
    );
    const { contentType } = await scrape();
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    for (const spec of Object.values(FAMILIES)) {
      const family = families.find((f) => f.name === spec.name);
      expect(family, spec.name).toBeDefined();
      expect(family?.type, spec.name).toBe(spec.type.toUpperCase());
      expect(family?.help.length, spec.name).toBeGreaterThan(10);
    }
    expect(sample(families, FAMILIES.serviceUp.name, { service: "inventory" })).toBe(1);
    expect(sample(families, FAMILIES.serviceUp.name, { service: "orders" })).toBe(1);
    // The npm parser flattens labelled histograms (prom2json's shape), so per-route buckets
    // are read from the monitors (summed); test/core/metrics.test.ts checks their rendering.
    const latency = (await monitorFamilies(env)).find(
      (f) => f.spec.name === FAMILIES.httpDuration.name,
    );
    const series = ((latency?.series ?? []) as HistogramSeries[]).find(
      (s) => s.labels.route === HOLDS,
    );
    expect(series?.counts.length).toBe(FAMILIES.httpDuration.buckets.length + 1);
    expect(series?.counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });

  it("reads alarms per severity and notification outcomes from the alarm manager at scrape time", async () => {
    const active = (f: ParsedFamily[], severity: string) =>
      sample(f, FAMILIES.alarmsActive.name, { severity }) ?? -1;
    const before = (await scrape()).families;
    for (const severity of ["critical", "major", "minor", "warning"]) {
      expect(active(before, severity)).toBeGreaterThanOrEqual(0);
    }
    for (const outcome of ["delivered", "retried", "dead-lettered"]) {
      expect(sample(before, FAMILIES.notifications.name, { outcome })).toBeGreaterThanOrEqual(0);
    }
    const sku = uniqueSku();
    await alarmManager(env).raise({ name: "stock-depleted", source: sku });
    const raised = (await scrape()).families; // no flush involved: read when scraped
    expect(active(raised, "warning") - active(before, "warning")).toBe(1);
    await alarmManager(env).clear("stock-depleted", sku);
    expect(active((await scrape()).families, "warning")).toBe(active(before, "warning"));
  });

  it("answers OpenMetrics 1.0 when Accept asks for it, ending in # EOF", async () => {
    const r = await scrape({
      Accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    const lines = r.text.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.at(-2)).toBe("# EOF");
    // Counter families are named without _total; their samples carry it.
    expect(lines).toContain("# TYPE bulwark_holds counter");
    expect(lines).not.toContain("# TYPE bulwark_holds_total counter");
    expect(lines.filter((l) => l.startsWith("bulwark_holds_total{")).length).toBe(5);
    expect(lines).toContain("# UNIT bulwark_http_request_duration_seconds seconds");
  });

  it("counts known traffic: N holds placed, a confirm counted once, a release, units sold, requests, commands", async () => {
    const before = await settledScrape([
      FAMILIES.holds.name,
      FAMILIES.unitsSold.name,
      FAMILIES.actorMessages.name,
    ]);
    const sku = uniqueSku();
    await putSku(sku, 100);
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) placed.push((await hold(sku, 3)).json.holdId as string);
    const confirm = () => http("POST", `/v1/skus/${sku}/holds/${placed[0]}/confirm`);
    expect((await confirm()).status).toBe(200);
    expect((await confirm()).status).toBe(200); // a no-op repeat: not a second confirmation
    expect((await http("DELETE", `/v1/skus/${sku}/holds/${placed[1]}`)).status).toBe(200);

    const delta = (f: ParsedFamily[], family: string, labels: Record<string, string> = {}) =>
      (sample(f, family, labels) ?? 0) - (sample(before, family, labels) ?? 0);
    const after = await scrapeUntil(
      (f) =>
        delta(f, FAMILIES.holds.name, { outcome: "released" }) >= 1 &&
        delta(f, FAMILIES.httpRequests.name, {
          route: "/v1/skus/:sku/holds/:holdId",
          method: "DELETE",
        }) >= 1,
    );
    expect(delta(after, FAMILIES.holds.name, { outcome: "placed" })).toBe(4);
    expect(delta(after, FAMILIES.holds.name, { outcome: "confirmed" })).toBe(1);
    expect(delta(after, FAMILIES.holds.name, { outcome: "released" })).toBe(1);
    expect(delta(after, FAMILIES.unitsSold.name)).toBe(3);
    expect(
      delta(after, FAMILIES.httpRequests.name, { route: HOLDS, method: "POST", status: "201" }),
    ).toBe(4);
    expect(
      delta(after, FAMILIES.actorMessages.name, {
        service: "inventory",
        command: "placeHold",
        outcome: "ok",
      }),
    ).toBe(4);
    expect(
      delta(after, FAMILIES.actorMessages.name, { service: "inventory", command: "confirmHold" }),
    ).toBe(2);
  });

  it("counts a sale given back by compensation as reversed and its units as returned, not as a release", async () => {
    const families = [FAMILIES.holds.name, FAMILIES.unitsSold.name, FAMILIES.unitsReturned.name];
    const before = await settledScrape(families);
    const sku = uniqueSku();
    await putSku(sku, 10);
    const inventory = new ShardRouter(env).inventory(sku);
    const holdId = "~o_metrics-reversed.x";
    await inventory.call("placeHold", { sku, quantity: 4, ttlSeconds: 60, holdId });
    await inventory.call("confirmHold", { sku, holdId });
    await inventory.call("releaseHold", { sku, holdId, compensate: true });
    await inventory.call("releaseHold", { sku, holdId, compensate: true }); // a no-op repeat
    const delta = (f: ParsedFamily[], family: string, labels: Record<string, string> = {}) =>
      (sample(f, family, labels) ?? 0) - (sample(before, family, labels) ?? 0);
    const after = await scrapeUntil((f) => delta(f, FAMILIES.unitsReturned.name) >= 4);
    expect(delta(after, FAMILIES.holds.name, { outcome: "confirmed" })).toBe(1);
    expect(delta(after, FAMILIES.holds.name, { outcome: "reversed" })).toBe(1);
    expect(delta(after, FAMILIES.holds.name, { outcome: "released" })).toBe(0);
    expect(delta(after, FAMILIES.unitsSold.name)).toBe(4);
    expect(delta(after, FAMILIES.unitsReturned.name)).toBe(4);
  });

  it("counts one route's requests, and one command's messages, apart by status and outcome", async () => {
    const before = await settledScrape([FAMILIES.holds.name, FAMILIES.actorMessages.name]);
    const sku = uniqueSku();
    await putSku(sku, 1);
    expect((await hold(sku)).status).toBe(201);
    expect((await hold(sku)).status).toBe(409); // the one unit is held
    const delta = (f: ParsedFamily[], family: string, labels: Record<string, string>) =>
      (sample(f, family, labels) ?? 0) - (sample(before, family, labels) ?? 0);
    const refused = { service: "inventory", command: "placeHold", outcome: "insufficient-stock" };
    const after = await scrapeUntil(
      (f) =>
        delta(f, FAMILIES.httpRequests.name, { route: HOLDS, method: "POST", status: "409" }) >=
          1 && delta(f, FAMILIES.actorMessages.name, refused) >= 1,
    );
    const requests = (status: string) =>
      delta(after, FAMILIES.httpRequests.name, { route: HOLDS, method: "POST", status });
    expect([requests("201"), requests("409")]).toEqual([1, 1]);
    const messages = (outcome: string) =>
      delta(after, FAMILIES.actorMessages.name, { ...refused, outcome });
    expect([messages("ok"), messages("insufficient-stock")]).toEqual([1, 1]);
  });

  it("counts a hold expired by its timer", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const before = holds(await settledScrape([FAMILIES.holds.name]), "expired");
    expect((await hold(sku, 1, 1)).status).toBe(201);
    await sleep(1100);
    await runDurableObjectAlarm(inventoryShard(sku));
    const after = await scrapeUntil((f) => holds(f, "expired") > before);
    expect(holds(after, "expired") - before).toBe(1);
  });

  it("counts orders by status, a crash as a restart of its service, and nothing for the crashed command's rolled-back hold", async () => {
    const sku = uniqueSku();
    await putSku(sku, 2);
    const before = await settledScrape([
      FAMILIES.orders.name,
      FAMILIES.restarts.name,
      FAMILIES.actorMessages.name,
      FAMILIES.holds.name,
    ]);
    const restarts = (f: ParsedFamily[]) =>
      sample(f, FAMILIES.restarts.name, { service: "inventory" }) ?? 0;
    const orders = (f: ParsedFamily[], status: string) =>
      sample(f, FAMILIES.orders.name, { status }) ?? 0;
    expect((await placeOrder(uniqueSku("key"), [{ sku, quantity: 1 }])).status).toBe(201);
    expect((await placeOrder(uniqueSku("key"), [{ sku, quantity: 5 }])).status).toBe(409);
    await http("POST", "/v1/ops/faults", {
      admin: true,
      body: { service: "inventory", sku, kind: "crash" },
    });
    expect((await hold(sku)).status).toBe(500);
    expect((await hold(sku)).status).toBe(201); // the next commit must not carry the crashed count
    const crashes = (f: ParsedFamily[]) =>
      sample(f, FAMILIES.actorMessages.name, { service: "inventory", outcome: "internal-error" }) ??
      0;
    const after = await scrapeUntil(
      (f) =>
        restarts(f) > restarts(before) &&
        orders(f, "rejected") > orders(before, "rejected") &&
        holds(f, "placed") - holds(before, "placed") >= 2 &&
        crashes(f) > crashes(before),
    );
    expect(orders(after, "confirmed") - orders(before, "confirmed")).toBe(1);
    expect(orders(after, "rejected") - orders(before, "rejected")).toBe(1);
    expect(restarts(after) - restarts(before)).toBe(1);
    expect(crashes(after) - crashes(before)).toBe(1);
    // The confirmed order's saga placed one hold and the last request another; the crashed
    // hold rolled back and counts nothing.
    expect(holds(after, "placed") - holds(before, "placed")).toBe(2);
  });

  it("counts load shedding where it is decided: a shard's overload refusal, and an order diverted to the queue", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const shed = (f: ParsedFamily[], service: string, reason: string) =>
      sample(f, FAMILIES.shed.name, { service, reason }) ?? 0;
    const before = await settledScrape([FAMILIES.shed.name]);
    await http("POST", "/v1/ops/faults", {
      admin: true,
      body: { service: "inventory", sku, kind: "overload" },
    });
    expect((await hold(sku)).status).toBe(503);
    const key = uniqueSku("key");
    const { ShardRouter } = await import("../../durable-objects");
    const { orderIdOf } = await import("../../workers/routes/orders");
    const shard = new ShardRouter(env).locate("orders", await orderIdOf(key));
    await http("POST", "/v1/ops/faults", {
      admin: true,
      body: { service: "orders", shard: shard.index, kind: "overload" },
    });
    const queued = await placeOrder(key, [{ sku, quantity: 1 }], { Prefer: "respond-async" });
    expect(queued.status).toBe(202);
    const after = await scrapeUntil(
      (f) => shed(f, "orders", "queued") > shed(before, "orders", "queued"),
    );
    expect(shed(after, "inventory", "overloaded") - shed(before, "inventory", "overloaded")).toBe(
      1,
    );
    expect(shed(after, "orders", "overloaded") - shed(before, "orders", "overloaded")).toBe(1);
    expect(shed(after, "orders", "queued") - shed(before, "orders", "queued")).toBe(1);
  });

  it("never puts a per-key value in a label, after traffic on many skus", async () => {
    const skus = Array.from({ length: 12 }, () => uniqueSku("cardinality"));
    const ids: string[] = [];
    for (const sku of skus) {
      await putSku(sku, 3);
      ids.push((await hold(sku)).json.holdId as string);
      await http("GET", `/v1/skus/${sku}`);
    }
    await http("GET", `/v1/skus/${skus[0]}/no/such/route`);
    const families = await scrapeUntil((f) =>
      f.some((x) => x.metrics.some((m) => m.labels?.route === "unmatched")),
    );
    const values = families.flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})));
    for (const key of [...skus, ...ids]) {
      expect(
        values.some((v) => v.includes(key)),
        key,
      ).toBe(false);
    }
    expect(
      sample(families, FAMILIES.httpRequests.name, { route: "unmatched", status: "404" }),
    ).toBeGreaterThan(0);
  });
});
