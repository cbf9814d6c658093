/**
 * The dashboard's alarm panel (the contract's Alarms, `docs/api.md`) in Debian's chromium against
 * `wrangler dev`: alarms appear without a reload, are acknowledged with a note, and the
 * Restart button clears the alarms of a crash loop.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSku, placeHold, placeOrder } from "./api";
import { launchChromium, screenshot } from "./browser";
import { ADMIN, expectStatus, unique, useBulwark } from "./contract";
import { DashboardPage } from "./dashboard-page";
import { ADMIN_TOKEN, fetchJson } from "./harness";

const TICK_MS = 500;
const STREAM_MAX_MS = 30_000;
/** Reconnect backoff ceiling of the page (live-channel.mjs). */
const BACKOFF_CAP_MS = 10_000;
/**
 * An alarm reaches the screen after the condition is reported (metrics and alarms flush
 * within 5 s per the contract), plus a few ticks and, at worst, one stream reconnect.
 */
const ALARM_BUDGET_MS = 5000 + 4 * TICK_MS + BACKOFF_CAP_MS;

/** A webhook receiver on loopback that accepts every notification (204). */
let receiver: Server | undefined;
const received: string[] = [];
const vars: Record<string, string> = {
  DASHBOARD_TICK_MS: String(TICK_MS),
  DASHBOARD_STREAM_MAX_MS: String(STREAM_MAX_MS),
  // Three failed admin authentications raise admin-auth-failures (fewer than one client's
  // five allowed, so this client is never throttled).
  ADMIN_AUTH_ALARM_FAILURES: "3",
  NOTIFY_WEBHOOK_SECRET: `whsec_${Buffer.from("dashboard-e2e-webhook-secret").toString("base64")}`,
};
// Registered before useBulwark's own beforeAll, so the server starts knowing the URL.
beforeAll(async () => {
  const server = createServer((req, res) => {
    received.push(String(req.headers["webhook-id"]));
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  receiver = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  vars.NOTIFY_WEBHOOK_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve) ?? resolve(undefined));
});

const api = useBulwark({ vars });

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

async function signedIn(): Promise<DashboardPage> {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const view = new DashboardPage(await context.newPage(), api.server.url);
  await view.open();
  await view.signIn(ADMIN_TOKEN);
  await view.waitForText(view.connection, "Live", ALARM_BUDGET_MS);
  return view;
}

/** Crashes inventory shards (one crash each) until the root marks inventory down. */
async function crashInventoryDown(): Promise<void> {
  const skus = Array.from({ length: 48 }, () => unique("loop"));
  for (const sku of skus) await createSku(api, sku, 10);
  const fault = { service: "inventory", kind: "crash", count: 1 };
  expectStatus(
    await fetchJson(api.url("/v1/ops/faults"), { method: "POST", headers: ADMIN, json: fault }),
    201,
  );
  for (const sku of skus) {
    await placeHold(api, sku, { quantity: 1 });
    if ((await fetchJson(api.url("/readyz"))).status === 503) break;
  }
  expectStatus(await fetchJson(api.url("/readyz")), 503);
  expectStatus(
    await fetchJson(api.url("/v1/ops/faults"), { method: "DELETE", headers: ADMIN }),
    200,
  );
}

describe("alarms on the dashboard", () => {
  it("shows stock-depleted when a SKU sells out, without a reload, and acknowledges it with a note", async () => {
    const view = await signedIn();
    const sku = unique("sellout");
    await createSku(api, sku, 2);
    expectStatus(await placeOrder(api, [{ sku, quantity: 2 }], unique("order")), 201);

    const alarm = view.alarm("stock-depleted", sku);
    await view.waitForText(alarm, "stock-depleted", ALARM_BUDGET_MS);
    expect(await alarm.locator(".badge").first().textContent()).toBe("warning");

    await alarm.getByRole("button", { name: "Acknowledge…" }).click();
    const dialog = view.page.getByRole("dialog", { name: "Acknowledge alarm" });
    await dialog.getByLabel(/Note/).fill("restock ordered from the warehouse");
    await dialog.getByRole("button", { name: "Acknowledge", exact: true }).click();
    await view.waitForText(alarm, "restock ordered from the warehouse", ALARM_BUDGET_MS);
    expect(await alarm.getByRole("button", { name: "Acknowledge…" }).count()).toBe(0);
    const acked = view.page.locator(
      '#alarms tr[data-event="acknowledged"][data-alarm="stock-depleted"]',
    );
    await view.waitForText(acked, "acknowledged", ALARM_BUDGET_MS);
    await screenshot(view.page, "stock-depleted-acknowledged");

    // Both transitions went out as webhooks; the delivery log shows them delivered.
    const delivered = view.page.locator("#notifications tbody tr", { hasText: "delivered" });
    const deadline = Date.now() + ALARM_BUDGET_MS;
    while ((await delivered.count()) < 2 && Date.now() < deadline)
      await view.page.waitForTimeout(100);
    expect(await delivered.count()).toBeGreaterThanOrEqual(2);
    expect(await view.page.locator("#notifications").textContent()).toContain("Webhooks are on.");
    expect(received.length).toBeGreaterThanOrEqual(2);
    await screenshot(view.page, "notifications");
  });

  it("offers Clear for an alarm an operator may clear (failed admin sign-ins) and not for a live condition", async () => {
    const view = await signedIn();
    const sku = unique("condition");
    await createSku(api, sku, 1);
    expectStatus(await placeOrder(api, [{ sku, quantity: 1 }], unique("order")), 201);
    for (let i = 0; i < 3; i++) {
      const wrong = { authorization: "Bearer not-the-admin-token" };
      expectStatus(await fetchJson(api.url("/v1/ops/alarms"), { headers: wrong }), 401);
    }
    const depleted = view.alarm("stock-depleted", sku);
    const failures = view.alarm("admin-auth-failures", "deployment");
    await view.waitForText(depleted, "stock-depleted", ALARM_BUDGET_MS);
    await view.waitForText(failures, "admin-auth-failures", ALARM_BUDGET_MS);
    // A condition clears when it ends (the API refuses an operator's clear): no button.
    expect(await depleted.getByRole("button", { name: "Clear" }).count()).toBe(0);
    await failures.getByRole("button", { name: "Clear" }).click();
    const cleared = view.page.locator(
      '#alarms tr[data-event="cleared"][data-alarm="admin-auth-failures"]',
    );
    await view.waitForText(cleared, "cleared", ALARM_BUDGET_MS);
    expect(await failures.count()).toBe(0);
    await screenshot(view.page, "operator-clear");
  });

  it("raises service-down and restart-intensity-exceeded on a crash loop; the Restart button clears both", async () => {
    const view = await signedIn();
    await crashInventoryDown();
    await view.waitForText(
      view.alarm("service-down", "inventory"),
      "service-down",
      ALARM_BUDGET_MS,
    );
    await view.waitForText(
      view.alarm("restart-intensity-exceeded", "inventory"),
      "restart-intensity-exceeded",
      ALARM_BUDGET_MS,
    );
    await view.waitForText(view.serviceStatus("inventory"), "down", ALARM_BUDGET_MS);
    const critical = view.page.locator("#alarms li.alarm").first();
    expect(await critical.getAttribute("data-alarm")).toBe("service-down");
    await screenshot(view.page, "crash-loop-alarms");

    await view.page.getByRole("button", { name: "Restart inventory" }).click();
    await view.waitForText(view.serviceStatus("inventory"), "running", ALARM_BUDGET_MS);
    const cleared = view.page.locator(
      '#alarms tr[data-event="cleared"][data-alarm="service-down"]',
    );
    await view.waitForText(cleared, "cleared", ALARM_BUDGET_MS);
    expect(await view.alarm("service-down", "inventory").count()).toBe(0);
    expect(await view.alarm("restart-intensity-exceeded", "inventory").count()).toBe(0);
    await screenshot(view.page, "crash-loop-recovered");
  });
});
