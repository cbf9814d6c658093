/**
 * The dashboard as a test sees it: where things are on the page, found by role, label and
 * the `data-*` attributes the panels write, and waits that fail with what was on screen.
 */
import type { Locator, Page } from "playwright-core";

export class DashboardPage {
  readonly page: Page;
  readonly #base: string;

  constructor(page: Page, base: string) {
    this.page = page;
    this.#base = base;
  }

  /** Loads `/` (which redirects to `/dashboard`). */
  async open(): Promise<void> {
    await this.page.goto(`${this.#base}/`);
  }

  /** Types the token into its labelled field and submits with the keyboard. */
  async signIn(token: string): Promise<void> {
    await this.page.getByLabel("Admin token").fill(token);
    await this.page.getByLabel("Admin token").press("Enter");
  }

  get connection(): Locator {
    return this.page.locator("#connection");
  }

  get tokenError(): Locator {
    return this.page.locator("#token-error");
  }

  get panels(): Locator {
    return this.page.locator("#dashboard");
  }

  /** A service's card in the supervision tree. */
  service(name: string): Locator {
    return this.page.locator(`#tree [data-service="${name}"]`);
  }

  /** A service's status badge under the root (the first badge of its card). */
  serviceStatus(name: string): Locator {
    return this.service(name).locator(".service-head .badge").first();
  }

  /** An active alarm's entry. */
  alarm(name: string, source: string): Locator {
    return this.page.locator(`#alarms li[data-alarm="${name}"][data-source="${source}"]`);
  }

  /** Waits until `locator` shows `text`; on timeout, fails with what it showed instead. */
  async waitForText(locator: Locator, text: string | RegExp, timeoutMs: number): Promise<void> {
    const matches = (shown: string) =>
      typeof text === "string" ? shown.includes(text) : text.test(shown);
    const deadline = Date.now() + timeoutMs;
    let shown = "";
    while (Date.now() < deadline) {
      shown = (await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : "";
      if (matches(shown)) return;
      await this.page.waitForTimeout(100);
    }
    throw new Error(
      `waited ${timeoutMs} ms for ${String(text)} in ${locator}; it showed "${shown}"`,
    );
  }
}
