import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSku, placeHold, placeOrder } from "./api";
import { launchChromium, screenshot } from "./browser";
import { ADMIN, expectStatus, unique, useBulwark } from "./contract";
import { DashboardPage } from "./dashboard-page";
import { ADMIN_TOKEN, fetchJson } from "./harness";
import { SERVICES, shardCountOf } from "./services";

/** The live channel samples every 500 ms and each stream lasts 8 s (then the page reconnects). */
const TICK_MS = 500;
const STREAM_MAX_MS = 8000;
/** Reconnect backoff ceiling of the page (live-channel.mjs). */
const BACKOFF_CAP_MS = 10_000;
/**
 * How long a change may take to reach the screen: a few ticks, plus a stream that ended
 * just before it and its reconnect.
 */
const UPDATE_BUDGET_MS = 4 * TICK_MS + 2 * BACKOFF_CAP_MS;
/** Traffic reaches `/metrics` within 5 s (the contract), then the charts within an update. */
const CHART_BUDGET_MS = 5000 + UPDATE_BUDGET_MS;

const api = useBulwark({
  vars: { DASHBOARD_TICK_MS: String(TICK_MS), DASHBOARD_STREAM_MAX_MS: String(STREAM_MAX_MS) },
});

let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

/** A fresh browser context (empty session storage) on the dashboard, 1280×800 by default. */
async function dashboard(
  options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<DashboardPage> {
  context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? "light",
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const view = new DashboardPage(page, api.server.url);
  await view.open();
  return Object.assign(view, { errors });
}

async function signedIn(options?: Parameters<typeof dashboard>[0]): Promise<DashboardPage> {
  const view = await dashboard(options);
  await view.signIn(ADMIN_TOKEN);
  await view.waitForText(view.connection, "Live", UPDATE_BUDGET_MS);
  return view;
}

const injectFault = (fault: Record<string, unknown>) =>
  fetchJson(api.url("/v1/ops/faults"), { method: "POST", headers: ADMIN, json: fault });

describe("dashboard in a browser", () => {
  it("asks for the token, then shows the supervision tree with both services running", async () => {
    const view = await dashboard();
    expect(view.page.url()).toBe(`${api.server.url}/dashboard`);
    expect(await view.panels.isHidden()).toBe(true);
    await view.signIn(ADMIN_TOKEN);
    await view.waitForText(view.serviceStatus("inventory"), "running", UPDATE_BUDGET_MS);
    await view.waitForText(view.serviceStatus("orders"), "running", UPDATE_BUDGET_MS);
    expect(await view.service("inventory").locator(".shard").count()).toBe(
      await shardCountOf("inventory"),
    );
    expect(await view.page.locator("#heat table.heat").count()).toBe(SERVICES.length);
    expect(await view.page.getByLabel("Admin token").isHidden()).toBe(true);
    await screenshot(view.page, "tree");
  });

  it("refuses a wrong token with a clear message and shows nothing operational", async () => {
    const view = await dashboard();
    await view.signIn("not-the-token");
    await view.waitForText(view.tokenError, "refused (401 unauthorized)", UPDATE_BUDGET_MS);
    expect(await view.tokenError.isVisible()).toBe(true);
    expect(await view.panels.isHidden()).toBe(true);
    expect(await view.page.locator("#tree .service").count()).toBe(0);
    expect(await view.page.evaluate(() => sessionStorage.length)).toBe(0);
    await screenshot(view.page, "wrong-token");
  });

  it("keeps the token in session storage only: never in a URL, and a reload stays signed in", async () => {
    const view = await dashboard();
    const urls: string[] = [];
    view.page.on("request", (request) => urls.push(request.url()));
    await view.signIn(ADMIN_TOKEN);
    await view.waitForText(view.connection, "Live", UPDATE_BUDGET_MS);
    await view.page.reload();
    await view.waitForText(view.connection, "Live", UPDATE_BUDGET_MS);
    expect(await view.page.evaluate(() => Object.values(sessionStorage))).toEqual([ADMIN_TOKEN]);
    expect(urls.filter((url) => url.includes(ADMIN_TOKEN))).toEqual([]);
    const live = urls.filter((url) => url.endsWith("/v1/ops/live"));
    expect(live.length).toBeGreaterThanOrEqual(2);
  });

  it("says it is reconnecting when the live stream drops, and comes back by itself", async () => {
    const view = await signedIn();
    await view.page.route("**/v1/ops/live", (route) => route.abort("connectionfailed"));
    // The open stream ends after STREAM_MAX_MS; every reconnect is refused meanwhile.
    await view.waitForText(
      view.connection,
      /Reconnecting in [\d.]+ s \(attempt [2-9]/,
      STREAM_MAX_MS + 3 * BACKOFF_CAP_MS,
    );
    await screenshot(view.page, "reconnecting");
    await view.page.unroute("**/v1/ops/live");
    await view.waitForText(view.connection, "Live", UPDATE_BUDGET_MS);
    await view.waitForText(view.serviceStatus("inventory"), "running", UPDATE_BUDGET_MS);
  });

  it("signing in again while the last try still reconnects replaces it: after sign-out nothing streams", async () => {
    const view = await dashboard();
    const bearer = (token: string) => `Bearer ${token}`;
    // The first token's streams fail at the network (the form stays up, the page retries).
    await view.page.route("**/v1/ops/live", (route) =>
      route.request().headers().authorization === bearer(ADMIN_TOKEN)
        ? route.continue()
        : route.abort("connectionfailed"),
    );
    await view.signIn("first-try-token");
    await view.waitForText(view.connection, /Reconnecting/, UPDATE_BUDGET_MS);
    await view.signIn(ADMIN_TOKEN);
    await view.waitForText(view.connection, "Live", UPDATE_BUDGET_MS);
    await view.page.locator("#sign-out").click();
    const after: string[] = [];
    view.page.on("request", (request) => {
      if (request.url().endsWith("/v1/ops/live")) {
        after.push(request.headers().authorization ?? "");
      }
    });
    // Longer than the first channel's backoff ceiling: it would have tried again by now.
    await view.page.waitForTimeout(BACKOFF_CAP_MS + 2000);
    expect(after).toEqual([]);
    expect(await view.panels.isHidden()).toBe(true);
  });

  it("shows a shard refusing work in the heat map, without a reload", async () => {
    const view = await signedIn();
    const sku = unique("hot");
    await createSku(api, sku, 10);
    expectStatus(await injectFault({ service: "inventory", sku, kind: "overload", count: 3 }), 201);
    for (let i = 0; i < 3; i += 1) expectStatus(await placeHold(api, sku, { quantity: 1 }), 503);
    const refusedRow = view.page.locator('#heat table[data-service="inventory"] tbody tr').nth(2);
    await view.waitForText(refusedRow, /refused 10 s.*3/, UPDATE_BUDGET_MS);
    await screenshot(view.page, "heat-map");
  });

  it("turns a crash-looping service down, and brings it back from its Restart button", async () => {
    const view = await signedIn();
    // Skus first: an armed crash fault would crash their creation too.
    const skus = Array.from({ length: 48 }, () => unique("loop"));
    for (const sku of skus) await createSku(api, sku, 10);
    expectStatus(await injectFault({ service: "inventory", kind: "crash", count: 1 }), 201);
    for (const sku of skus) {
      await placeHold(api, sku, { quantity: 1 });
      if ((await fetchJson(api.url("/readyz"))).status === 503) break;
    }
    expectStatus(await fetchJson(api.url("/readyz")), 503);
    expectStatus(
      await fetchJson(api.url("/v1/ops/faults"), { method: "DELETE", headers: ADMIN }),
      200,
    );

    await view.waitForText(view.serviceStatus("inventory"), "down", UPDATE_BUDGET_MS);
    expect(await view.service("inventory").getAttribute("class")).toContain("service-down");
    await view.waitForText(
      view.service("inventory"),
      "reached_max_restart_intensity",
      UPDATE_BUDGET_MS,
    );
    await screenshot(view.page, "service-down");

    const restart = view.page.getByRole("button", { name: "Restart inventory" });
    await restart.focus();
    await view.page.keyboard.press("Enter");
    await view.waitForText(view.serviceStatus("inventory"), "running", UPDATE_BUDGET_MS);
    expect(await restart.count()).toBe(0);
    expectStatus(await fetchJson(api.url("/readyz")), 200);
    await screenshot(view.page, "service-restarted");
  });

  it("fits a phone-width screen in the dark colour scheme without sideways scrolling", async () => {
    const view = await signedIn({ width: 390, height: 844, colorScheme: "dark" });
    await view.waitForText(view.serviceStatus("orders"), "running", UPDATE_BUDGET_MS);
    const overflow = await view.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const background = await view.page.evaluate(
      () => getComputedStyle(document.body).backgroundColor,
    );
    expect(background).toBe("rgb(17, 21, 28)");
    await screenshot(view.page, "phone-dark");
  });

  it("draws request, latency and order rates from successive /metrics scrapes", async () => {
    const view = await signedIn();
    const sku = unique("charted");
    await createSku(api, sku, 1000);
    const requests = view.page.locator("#chart-requests .latest");
    const orders = view.page.locator("#chart-orders .latest");
    // Keep traffic flowing until a scrape interval shows it: metrics flush within 5 s.
    const deadline = Date.now() + CHART_BUDGET_MS;
    let shown = "";
    while (Date.now() < deadline) {
      expectStatus(await placeOrder(api, [{ sku, quantity: 1 }], unique("order")), 201);
      shown = `${await requests.textContent()} | ${await orders.textContent()}`;
      if (/2xx [1-9]/.test(shown) && /confirmed [1-9]/.test(shown)) break;
    }
    expect(shown).toMatch(/2xx [1-9]/);
    expect(shown).toMatch(/confirmed [1-9]/);
    expect(await view.page.locator("#charts .uplot").count()).toBe(5);
    expect(await view.page.locator("#chart-latency .latest").textContent()).toMatch(
      /p99 [\d.]+ ms/,
    );
    // What waits, for every service of the registry (none named here).
    const backlog = (await view.page.locator("#chart-backlog .latest").textContent()) ?? "";
    for (const service of SERVICES) {
      expect(backlog).toMatch(
        new RegExp(`${service} queued [\\d.]+ · ${service} in flight [\\d.]+`),
      );
    }
    await screenshot(view.page, "charts");
  });
});
