#!/usr/bin/env node
/**
 * `npm start`: runs Bulwark locally under `wrangler dev`, on 127.0.0.1:${PORT:-8787}, with
 * state kept in `.wrangler/state` across runs.
 *
 * It creates `.dev.vars` from `.dev.vars.example` on first run, because admin endpoints
 * answer 401 while ADMIN_TOKEN is unset. It starts wrangler directly (not via npx) and
 * forwards SIGINT/SIGTERM to it, because npx leaves wrangler and workerd running when its
 * own process is killed.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Copies the example vars on first run; their token is only good for this machine. */
function ensureDevVars() {
  const devVars = join(root, ".dev.vars");
  if (existsSync(devVars)) return;
  copyFileSync(join(root, ".dev.vars.example"), devVars);
  console.log(
    "Created .dev.vars from .dev.vars.example: its ADMIN_TOKEN is a local-only token, never a production secret.",
  );
}

/** The port from $PORT (default 8787); a bad value stops here with a message naming it. */
function port() {
  const raw = process.env.PORT ?? "8787";
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`PORT must be an integer from 1 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

/** Exit status of the child, shell-style: its code, or 128 + signal number if killed. */
function exitStatus(code, signal) {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

function main() {
  ensureDevVars();
  const args = [
    "dev",
    "--persist-to",
    ".wrangler/state",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port()),
  ];
  const child = spawn(join(root, "node_modules", ".bin", "wrangler"), args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (error) => {
    console.error(`Could not start wrangler (run \`npm ci\` first?): ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(exitStatus(code, signal)));
}

main();
