#!/usr/bin/env node
/**
 * `npm test [-- vitest arguments]`: checks Node, installs the locked dependencies only if
 * they are missing or stale (never under a running `npm start`: see `prepare.mjs`), then
 * runs vitest with the given arguments (default: every project).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { offlineEnv, prepare, root } from "./prepare.mjs";

prepare("npm test");
const child = spawn(
  join(root, "node_modules", ".bin", "vitest"),
  ["run", ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
    env: offlineEnv,
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
