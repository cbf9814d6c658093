/**
 * What `npm start` and `npm test` do before anything else, so that each works on a fresh
 * clone and both work side by side: check the Node floor (`engines.node`), then install
 * exactly the locked dependencies only if `node_modules` is missing or out of date — and
 * never while another `npm start`/`npm test` runs from it (`npm ci` deletes `node_modules`
 * first). Each run registers its PID in `.wrangler/users/` for as long as it lives; that is
 * how a second terminal knows the first one is there. Deciding, installing and registering
 * happen under one lock (`.wrangler/install.lock`), so two runs started together on a fresh
 * clone install once: the second waits for the first's install, then uses it.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireInstallLock } from "./lib/install-lock.mjs";
import {
  engineFloor,
  installDecision,
  lockDrift,
  meetsFloor,
  processesUsing,
} from "./lib/install-state.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const usersDir = join(root, ".wrangler", "users");

const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : null);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** Other live `npm start`/`npm test` runs from this checkout ("npm start (pid 123)"). */
function otherUsers() {
  if (!existsSync(usersDir)) return [];
  const users = [];
  for (const name of readdirSync(usersDir)) {
    const pid = Number(name.replace(/\.json$/, ""));
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (!alive(pid)) {
      rmSync(join(usersDir, name), { force: true });
      continue;
    }
    const what = readJson(join(usersDir, name))?.what ?? "a run";
    users.push(`${what} (pid ${pid})`);
  }
  return users;
}

/** This process and its ancestors (Linux `/proc`; empty elsewhere). */
function selfAndAncestors() {
  const chain = [];
  for (let pid = process.pid; pid > 1 && chain.length < 64; ) {
    chain.push(pid);
    const stat = readProc(pid, "stat");
    const parent = Number(stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(parent) || parent <= 1) break;
    pid = parent;
  }
  return chain;
}

function readProc(pid, file) {
  try {
    return file === "cwd"
      ? readlinkSync(`/proc/${pid}/cwd`)
      : readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Unregistered processes running from this checkout (a `npx wrangler dev` of one's own),
 * found through Linux `/proc`; elsewhere only registered runs are seen.
 */
function unregisteredUsers() {
  if (!existsSync("/proc/self/cmdline")) return [];
  const processes = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const command = readProc(pid, "cmdline")?.split("\0").join(" ").trim();
    const cwd = readProc(pid, "cwd");
    if (command && cwd) processes.push({ pid, cwd, command });
  }
  return processesUsing(processes, root, selfAndAncestors());
}

/** Registers this process as using `node_modules` until it exits. */
function register(what) {
  mkdirSync(usersDir, { recursive: true });
  const file = join(usersDir, `${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ what, startedAt: new Date().toISOString() }));
  process.on("exit", () => rmSync(file, { force: true }));
}

function checkNode() {
  const floor = engineFloor(readJson(join(root, "package.json")).engines.node);
  if (!meetsFloor(process.version, floor)) {
    console.error(
      `Bulwark needs Node ${floor} or newer (the locked vite, rolldown and undici require it); this is Node ${process.version}.`,
    );
    process.exit(1);
  }
}

/**
 * Checks Node, installs if needed (and allowed), then registers this run as `what`.
 * Exits with a message instead of installing under another run.
 */
export function prepare(what) {
  checkNode();
  mkdirSync(join(root, ".wrangler"), { recursive: true });
  const release = acquireInstallLock(join(root, ".wrangler", "install.lock"), {
    pid: process.pid,
    alive,
    onWait: (holder) =>
      console.log(
        `Waiting for the install another run started${holder ? ` (pid ${holder})` : ""}…`,
      ),
  });
  process.once("exit", release); // also when an install fails and exits
  try {
    installIfNeeded();
    register(what);
  } finally {
    release();
  }
}

/** Installs the locked dependencies when `node_modules` is missing or stale (under the lock). */
function installIfNeeded() {
  const lock = readJson(join(root, "package-lock.json"));
  const installed = readJson(join(root, "node_modules", ".package-lock.json"));
  // Who else runs from node_modules matters only when it would be reinstalled.
  const users =
    lockDrift(lock, installed) === null ? [] : [...otherUsers(), ...unregisteredUsers()];
  const decision = installDecision({ lock, installed, otherUsers: users });
  if (decision.action === "refuse") {
    console.error(
      `node_modules is out of date (${decision.reason}), but ${decision.users.join(", ")} is running from it.\n` +
        "Reinstalling now would delete it under that run. Stop it, then run this again (it installs first).",
    );
    process.exit(1);
  }
  if (decision.action === "install") {
    console.log(`Installing the locked dependencies: ${decision.reason}.`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], {
      cwd: root,
      stdio: "inherit",
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

/** wrangler must not fetch the `cf` object or send telemetry (the machine may be offline). */
export const offlineEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
};
