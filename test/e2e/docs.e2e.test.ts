import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import { useBulwark } from "./contract";

const api = useBulwark();

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("/docs", () => {
  it("renders the API reference in chromium with nothing fetched from outside the Worker", async () => {
    if (!browser) throw new Error("chromium did not start");
    const page = await browser.newPage();
    const origin = new URL(api.url("/")).origin;
    const outside: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) {
        return route.continue();
      }
      outside.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(api.url("/docs"));
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    // Summaries come from /openapi.json: seeing them means the bundle ran and rendered the
    // document; opening a group shows the page is interactive.
    await page.getByText("No service is down").first().waitFor({ timeout: 30_000 });
    await page.getByText("orders", { exact: true }).first().click();
    await page.getByText("Place an order (all-or-nothing across shards)").first().waitFor();
    expect(consoleErrors).toEqual([]);
    expect(errors).toEqual([]);
    expect(outside, "requests that would need the internet").toEqual([]);
    await page.close();
  });
});
