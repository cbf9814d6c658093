/**
 * Chromium for the browser tests (the dashboard's and `/docs`): Debian's package at
 * `/usr/bin/chromium` (`.ci/run` installs it with apt-get when missing), or the binary
 * `CHROMIUM_PATH` names on a machine that keeps it elsewhere, driven by playwright-core. Never a
 * downloaded browser. Screenshots go to `test-results/dashboard/` (gitignored; CI keeps it).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Where each browser test leaves its screenshot. */
export const SCREENSHOT_DIR = fileURLToPath(
  new URL("../../test-results/dashboard", import.meta.url),
);

/** Flags for a headless chromium in a container: no sandbox or GPU, nothing phoning home. */
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches headless chromium; a missing binary fails with the command that installs it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install it with \`sudo apt-get install -y chromium\`, or set CHROMIUM_PATH to a chromium binary`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** Saves a full-page screenshot as `test-results/dashboard/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
