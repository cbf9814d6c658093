#!/usr/bin/env node
/**
 * `npm start [-- --faults] [-- --var KEY:VALUE ...] [-- other wrangler dev flags]`: runs
 * Bulwark locally under `wrangler dev` on 127.0.0.1:${PORT:-8787}, state in `.wrangler/state`.
 *
 * Before starting it checks Node and installs the locked dependencies if they are missing or
 * stale (`prepare.mjs`), creates `.dev.vars` from `.dev.vars.example` on first run (admin
 * endpoints answer 401 while ADMIN_TOKEN is unset), and while the server runs it fires the
 * crons of `wrangler.toml` on their schedule through `/cdn-cgi/handler/scheduled`, because
 * `wrangler dev` never fires them itself and recovery by cron would otherwise never happen
 * locally. It starts wrangler directly (not via npx) and forwards SIGINT/SIGTERM, because
 * npx leaves wrangler and workerd running when its own process is killed.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { cronMatches, cronsOf } from "./lib/cron.mjs";
import { devArgs } from "./lib/dev-args.mjs";
import { offlineEnv, prepare, root } from "./prepare.mjs";

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

/**
 * Fires each cron of `wrangler.toml` at the start of every minute it matches (UTC), as the
 * platform does in production. Failures are printed; the server keeps running.
 */
function fireCrons(base) {
  const crons = cronsOf(readFileSync(join(root, "wrangler.toml"), "utf8"));
  if (crons.length === 0) return;
  for (const cron of crons) cronMatches(cron, new Date()); // unsupported syntax fails now
  console.log(`Firing cron ${crons.join(", ")} on schedule (wrangler dev does not by itself).`);
  const tick = async () => {
    const now = new Date();
    for (const cron of crons.filter((c) => cronMatches(c, now))) {
      const url = `${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        if (!response.ok)
          console.error(`cron ${cron}: the scheduled handler answered ${response.status}`);
      } catch (error) {
        if (error.cause?.code !== "ECONNREFUSED") console.error(`cron ${cron}: ${error.message}`);
      }
    }
  };
  const schedule = () => {
    const wait = 60_000 - (Date.now() % 60_000) + 50;
    setTimeout(() => tick().finally(schedule), wait).unref();
  };
  schedule();
}

function main() {
  let parsed;
  try {
    parsed = devArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  prepare("npm start");
  ensureDevVars();
  const listen = port();
  // A `--persist-to` given after `--` replaces the default state directory.
  const state = parsed.args.includes("--persist-to") ? [] : ["--persist-to", ".wrangler/state"];
  const args = ["dev", ...state, "--ip", "127.0.0.1", "--port", String(listen)];
  if (parsed.vars.FAULT_INJECTION === "on")
    console.log("Fault injection is on: /v1/ops/faults answers.");
  const child = spawn(join(root, "node_modules", ".bin", "wrangler"), [...args, ...parsed.args], {
    cwd: root,
    stdio: "inherit",
    env: offlineEnv,
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (error) => {
    console.error(`Could not start wrangler: ${error.message}`);
    process.exit(1);
  });
  child.on("spawn", () => fireCrons(`http://127.0.0.1:${listen}`));
  child.on("exit", (code, signal) => process.exit(exitStatus(code, signal)));
}

main();
