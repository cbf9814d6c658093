/**
 * Starts and stops a real `wrangler dev` for end-to-end tests, as an outside client would
 * meet Bulwark: HTTP and WebSocket on a loopback port, each server with its own empty state.
 * Plain Node; nothing here depends on vitest, so benches and scripts can reuse it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freeLoopbackPorts } from "./free-ports";
import { LogBuffer } from "./log-buffer";
import { guard, killGroup, release } from "./process-guard";

export { type EventSocket, openSocket, SocketRefusedError } from "./event-socket";
export { fetchJson, type JsonRequestInit, type JsonResponse } from "./fetch-json";

/**
 * The admin token every e2e server gets unless `vars` overrides it. It is passed with
 * `--var` because `.dev.vars` (where `npm start` keeps it) may not exist on CI.
 */
export const ADMIN_TOKEN = "e2e-admin-token";

/** Options of `startDev`; every field is optional. */
export interface StartDevOptions {
  /**
   * Worker variables passed with `--var`, merged over the defaults
   * `{ ADMIN_TOKEN: "e2e-admin-token", FAULT_INJECTION: "on" }`; they win over `.dev.vars`
   * and `wrangler.toml`.
   */
  vars?: Record<string, string>;
  /** Keep the state directory after `stop()` to inspect a failed run. Default `false`. */
  persist?: boolean;
  /**
   * Chooses the server's port and its inspector's, per try (default `freeLoopbackPorts(2)`);
   * the harness's own test passes a taken port first.
   */
  choosePorts?: () => Promise<number[]>;
}

/** A running `wrangler dev`. */
export interface DevServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** PID of wrangler itself (never npx), the process `stop()` signals. */
  pid: number;
  /** Where this server persists its Durable Object state (a fresh temporary directory). */
  stateDir: string;
  /** SIGTERM, SIGKILL after 5 s, then removes `stateDir` unless `persist`. Idempotent. */
  stop(): Promise<void>;
  /** Everything wrangler printed so far (the last 256 KiB), without colour codes. */
  logs(): string;
}

const DEFAULT_VARS: Readonly<Record<string, string>> = {
  ADMIN_TOKEN,
  FAULT_INJECTION: "on",
};
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 200;
const STOP_GRACE_MS = 5_000;
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");

/** Tries of `startDev` when the ports it chose were taken before wrangler could bind them. */
const PORT_TRIES = 3;

/**
 * Starts `wrangler dev` on a free loopback port with fresh state and resolves once
 * `GET /healthz` answers 200. Rejects, with wrangler's output in the message, if that takes
 * over 60 s or wrangler exits first; nothing is left running then. The ports are free when
 * chosen, but another process (a parallel test's server, say) may bind one before wrangler
 * does: then wrangler exits with "Address already in use" and the start is tried again on
 * new ports, up to `PORT_TRIES` times.
 */
export async function startDev(opts: StartDevOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevOnce(opts);
    } catch (error) {
      const taken = error instanceof Error && error.message.includes("Address already in use");
      if (!taken || attempt >= PORT_TRIES) throw error;
    }
  }
}

async function startDevOnce(opts: StartDevOptions): Promise<DevServer> {
  const [port, inspectorPort] = await (opts.choosePorts ?? (() => freeLoopbackPorts(2)))();
  if (port === undefined || inspectorPort === undefined) throw new Error("no free loopback port");
  const stateDir = mkdtempSync(join(tmpdir(), "bulwark-e2e-"));
  const logs = new LogBuffer();
  const vars = { ...DEFAULT_VARS, ...opts.vars };
  // An explicit (empty) env file makes wrangler skip `.dev.vars`: local settings of
  // `npm start` never reach an e2e server; its vars are wrangler.toml's plus `vars`.
  const envFile = join(stateDir, "empty.env");
  writeFileSync(envFile, "");
  const args = [...wranglerArgs(port, inspectorPort, stateDir, vars), "--env-file", envFile];
  const child = await spawnWrangler(args, logs).catch((error: unknown) => {
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`could not start ${WRANGLER} (run \`npm ci\` first?)`, { cause: error });
  });
  const pid = child.pid;
  guard(pid, stateDir, opts.persist === true);
  const url = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const server: DevServer = {
    url,
    port,
    pid,
    stateDir,
    logs: () => logs.text(),
    stop: () => {
      stopping ??= stopWrangler(child, pid, stateDir, opts.persist === true);
      return stopping;
    },
  };
  try {
    await waitUntilHealthy(url, child, logs);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

function wranglerArgs(
  port: number,
  inspectorPort: number,
  stateDir: string,
  vars: Record<string, string>,
): string[] {
  // wrangler splits each --var at its first ":"; the value may contain more colons.
  const varArgs = Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  return [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--log-level",
    "warn",
    "--persist-to",
    stateDir,
    ...varArgs,
  ];
}

/**
 * Spawns wrangler in its own process group, so that a crash path can kill wrangler and its
 * workerd children with one signal even when wrangler no longer can.
 */
async function spawnWrangler(
  args: string[],
  logs: LogBuffer,
): Promise<ChildProcess & { pid: number }> {
  const child = spawn(WRANGLER, args, {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      CI: "true",
    },
  });
  child.stdout?.on("data", (chunk: Buffer) => logs.append(chunk));
  child.stderr?.on("data", (chunk: Buffer) => logs.append(chunk));
  await once(child, "spawn");
  const { pid } = child;
  if (pid === undefined) throw new Error(`wrangler started without a PID (${WRANGLER})`);
  return Object.assign(child, { pid });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitUntilHealthy(url: string, child: ChildProcess, logs: LogBuffer): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      const how = child.exitCode ?? child.signalCode;
      throw new Error(`wrangler dev exited (${how}) before /healthz answered\n${logs.text()}`);
    }
    if (await answersOk(`${url}/healthz`)) return;
    await sleep(READY_POLL_MS);
  }
  throw new Error(
    `wrangler dev did not answer 200 on ${url}/healthz within ${READY_TIMEOUT_MS / 1000} s\n${logs.text()}`,
  );
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/**
 * SIGTERM lets wrangler stop its workerd children itself; the group SIGKILL afterwards
 * catches whatever a stuck or killed wrangler left behind.
 */
async function stopWrangler(
  child: ChildProcess,
  pid: number,
  stateDir: string,
  persist: boolean,
): Promise<void> {
  if (!hasExited(child)) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS)]);
    killGroup(pid);
    if (graceful !== true) await exited;
  } else {
    killGroup(pid);
  }
  release(pid);
  if (!persist) rmSync(stateDir, { recursive: true, force: true });
}

function sleep(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms));
}
