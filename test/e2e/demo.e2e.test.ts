import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { useBulwark } from "./contract";
import { ADMIN_TOKEN } from "./harness";

const api = useBulwark();

/** Runs `npm run demo`'s script against the test server without pauses; answers its output. */
async function runDemo(): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["scripts/demo.mjs", "--url", api.url(""), "--token", ADMIN_TOKEN, "--pace", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

describe("npm run demo", () => {
  it("plays the whole flash sale to the end: burst, crash loop, recovery, overload", async () => {
    const { code, output } = await runDemo();
    expect(code, output).toBe(0);
    expect(output).toMatch(/holds: {2}201 active ×40/);
    expect(output).toMatch(/\/readyz → 503 .*degraded/);
    expect(output).toContain("the order placed during the outage → confirmed");
    expect(output).toMatch(/202 queued ×\d+/);
    expect(output).toMatch(/the queued ones, drained at a regulated pace: 200 confirmed ×\d+/);
    expect(output).toContain("Done. Dashboard:");
  }, 180_000);
});
