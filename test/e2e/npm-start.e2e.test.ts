import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPorts } from "./free-ports";
import { fetchJson } from "./harness";

const TOKEN = "npm-start-e2e-token";
const stateDir = mkdtempSync(join(tmpdir(), "bulwark-npm-start-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Polls `url` until it answers 200; throws with the server's output past `ms`. */
async function until200(url: string, ms: number, output: () => string): Promise<void> {
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
  it("serves with --faults and --var applied, registers itself while it runs, and stops on SIGTERM", async () => {
    const [port, inspector] = await freeLoopbackPorts(2);
    const args = ["--faults", "--var", `ADMIN_TOKEN:${TOKEN}`, "--var", "RATE_LIMIT_PER_MINUTE:2"];
    const wrangler = [
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
      await until200(`${base}/healthz`, 90_000, () => output);
      expect(output).toContain("Firing cron * * * * * on schedule");
      expect(existsSync(join(".wrangler", "users", `${child.pid}.json`))).toBe(true);

      const admin = { authorization: `Bearer ${TOKEN}` };
      const seeded = await fetchJson(`${base}/v1/skus/start-e2e`, {
        method: "PUT",
        headers: admin,
        json: { stock: 5 },
      });
      expect(seeded.status).toBe(200);
      // --faults: fault injection answers instead of 404.
      const cleared = await fetchJson(`${base}/v1/ops/faults`, {
        method: "DELETE",
        headers: admin,
      });
      expect(cleared.status).toBe(200);
      // --var RATE_LIMIT_PER_MINUTE:2 reached the Worker: the third write is refused.
      const holds = [];
      for (let i = 0; i < 3; i++) {
        holds.push(
          (
            await fetchJson(`${base}/v1/skus/start-e2e/holds`, {
              method: "POST",
              json: { quantity: 1 },
            })
          ).status,
        );
      }
      expect(holds).toEqual([201, 201, 429]);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    expect(existsSync(join(".wrangler", "users", `${child.pid}.json`))).toBe(false);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 150_000);
});
