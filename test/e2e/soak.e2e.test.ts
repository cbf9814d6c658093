import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The chaos soak, short: 45 s of mixed workload under random faults, a crash loop that takes
 * inventory down and back, and one `kill -9` of the runtime; then every invariant. The soak
 * exits 0 only if none was violated. Its own runtime, ports and state directory.
 */
describe("chaos soak (short run)", () => {
  it("keeps every invariant through faults, a crash loop and a kill -9", async () => {
    const child = spawn(process.execPath, ["soak/run.mjs", "--seconds", "45", "--kills", "1"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const [code] = (await once(child, "exit")) as [number | null];
    if (code !== 0) console.error(output);
    expect(output).toContain("PASS: no invariant violated");
    expect(code).toBe(0);
  }, 360_000);
});
