import { execFileSync } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(".");
const GENERATED = "worker-configuration.d.ts";

/**
 * A checkout of this repository without the generated file and with a hostile `.dev.vars`
 * (like the one CI writes): what `npm run types` produces must not depend on local settings.
 */
function scratchCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-types-"));
  for (const entry of readdirSync(root)) {
    if (entry === GENERATED || entry === ".dev.vars" || entry === ".wrangler") continue;
    symlinkSync(join(root, entry), join(dir, entry));
  }
  writeFileSync(
    join(dir, ".dev.vars"),
    "ADMIN_TOKEN=dev-admin-token\nLOCAL_ONLY_SECRET=x\nRATE_LIMIT_PER_MINUTE=3\n",
  );
  return dir;
}

describe("npm run types", () => {
  const dir = scratchCheckout();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reproduces the committed worker-configuration.d.ts exactly, whatever .dev.vars holds", () => {
    execFileSync("npm", ["run", "-s", "types"], {
      cwd: dir,
      stdio: "pipe",
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      timeout: 120_000,
    });
    const generated = readFileSync(join(dir, GENERATED), "utf8");
    expect(generated).not.toContain("LOCAL_ONLY_SECRET");
    // Run `npm run types` and commit the result when this fails.
    expect(generated === readFileSync(join(root, GENERATED), "utf8")).toBe(true);
  }, 120_000);
});
