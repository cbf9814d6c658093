import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../bench/lib/wrangler-dev.mjs";

/**
 * The bench's (and the soak's) `wrangler dev` never reads `.dev.vars`: a developer's local
 * settings for `npm start` (a low rate limit, faults off) would otherwise change what a run
 * measures. A Worker beside a `.dev.vars` that overrides its `[vars]` answers the config's
 * value and none of the file's.
 */
const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bench/lib/wrangler-dev.mjs", () => {
  it("starts wrangler dev without the config's .dev.vars", async () => {
    writeFileSync(
      join(dir, "index.js"),
      "export default { fetch: (_r, env) => Response.json({ mode: env.MODE, only: env.ONLY_IN_DEV_VARS ?? null }) };\n",
    );
    writeFileSync(
      join(dir, "wrangler.toml"),
      'name = "bench-env"\nmain = "index.js"\ncompatibility_date = "2025-09-01"\n\n[vars]\nMODE = "config"\n',
    );
    writeFileSync(join(dir, ".dev.vars"), "MODE=local\nONLY_IN_DEV_VARS=leaked\n");
    const server = await startWranglerDev(join(dir, "wrangler.toml"), { healthPath: "/" });
    try {
      const answer = await (await fetch(server.url)).json();
      expect(answer).toEqual({ mode: "config", only: null });
    } finally {
      await server.stop();
    }
  }, 120_000);
});
