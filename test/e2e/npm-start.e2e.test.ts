import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPorts } from "./free-ports";
import { fetchJson } from "./harness";

const TOKEN = "npm-start-e2e-token";
const stateDir = mkdtempSync(join(tmpdir(), "bulwark-npm-start-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Polls `url` until it answers 200; throws with the server's output past `ms`. */
async function until(url: string, ms: number, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await fetch(url)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} never answered 200:\n${output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("npm start (scripts/dev.mjs)", () => {
  it("serves with --faults and --var applied, fires the minute cron, registers itself, and stops on SIGTERM", async () => {
    const [port, inspector] = await freeLoopbackPorts(2);
    // Alarm-driven recovery off: only the cron may bring a down service back, so seeing it
    // come back proves the cron fired.
    const args = [
      "--faults",
      "--var",
      `ADMIN_TOKEN:${TOKEN}`,
      "--var",
      "DOWN_RECOVERY_MS:1",
      "--var",
      "ALARM_AUTOMATION:none",
    ];
    // Like the harness, keep this checkout's .dev.vars (local settings) out of the test.
    const envFile = join(stateDir, "empty.env");
    writeFileSync(envFile, "");
    const wrangler = [
      "--env-file",
      envFile,
      "--inspector-port",
      String(inspector),
      "--persist-to",
      stateDir,
      "--log-level",
      "warn",
    ];
    const child = spawn(process.execPath, ["scripts/dev.mjs", ...args, ...wrangler], {
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await until(`${base}/healthz`, 90_000, () => output);
      expect(existsSync(join(".wrangler", "users", `${child.pid}.json`))).toBe(true);

      // --var ADMIN_TOKEN reached the Worker (.dev.vars holds another token) and --faults
      // turned fault injection on: a crash loop takes inventory down.
      // The cron fires at every minute boundary: take the service down right after one, so
      // no tick can bring it back before the check below sees it down.
      const sinceMinute = Date.now() % 60_000;
      if (sinceMinute > 30_000) await new Promise((r) => setTimeout(r, 60_000 - sinceMinute + 500));
      const admin = { authorization: `Bearer ${TOKEN}` };
      const skus = Array.from({ length: 16 }, (_, i) => `start-e2e-${i}`);
      for (const sku of skus) {
        const put = await fetchJson(`${base}/v1/skus/${sku}`, {
          method: "PUT",
          headers: admin,
          json: { stock: 5 },
        });
        expect(put.status).toBe(200);
      }
      const armed = await fetchJson(`${base}/v1/ops/faults`, {
        method: "POST",
        headers: admin,
        json: { service: "inventory", kind: "crash" },
      });
      expect(armed.status).toBe(201);
      for (const sku of skus) {
        await fetchJson(`${base}/v1/skus/${sku}/holds`, { method: "POST", json: { quantity: 1 } });
      }
      await fetchJson(`${base}/v1/ops/faults`, { method: "DELETE", headers: admin });
      expect((await fetchJson(`${base}/readyz`)).status).toBe(503);

      // Nobody restarts it: only the minute cron that npm start fires can bring it back
      // (DOWN_RECOVERY_MS 1), at the next minute boundary.
      const nextMinuteMs = 60_000 - (Date.now() % 60_000);
      await until(`${base}/readyz`, nextMinuteMs + 30_000, () => output);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    expect(existsSync(join(".wrangler", "users", `${child.pid}.json`))).toBe(false);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 240_000);
});
