import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/lib/ is two levels below it). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const STOP_GRACE_MS = 5_000;

/** Servers started by this process and not yet stopped; the exit handlers kill these. */
const live = new Set();

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts `wrangler dev` for `config` on loopback and waits until `healthPath` answers 200.
 * Wrangler is spawned directly (never through npx) in its own process group, so stopping it
 * by PID also stops its workerd children. Local state goes to a fresh temporary directory,
 * deleted on stop. `.dev.vars` is never read. Resolves to `{ url, pid, stop() }`.
 *
 * - `vars` (default `{}`): `--var K:V` bindings, overriding the config's `[vars]`.
 * - `healthPath` (default `/healthz`), `readyTimeoutMs` (default 90 000).
 * - `label` (default the config path): prefixes wrangler's own output when it fails.
 *
 * A wrangler that exits before it is ready ("The Workers runtime failed to start", e.g. a
 * port taken between `freePort` and workerd binding it, on a machine where other test
 * servers pick free ports too) is retried twice with fresh ports.
 */
export async function startWranglerDev(config, opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(config, opts);
    } catch (error) {
      if (attempt >= 3 || !error.exitedEarly) throw error;
    }
  }
}

async function startOnce(config, opts) {
  const { vars = {}, healthPath = "/healthz", readyTimeoutMs = 90_000 } = opts;
  const configPath = resolve(ROOT, config);
  const label = opts.label ?? config;
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const persistTo = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  const args = [
    "dev",
    "-c",
    configPath,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--log-level",
    "warn",
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
  ];
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  // An explicit (empty) env file makes wrangler skip `.dev.vars`: `npm start`'s local
  // settings (a low rate limit, faults off) never reach a measured server.
  const envFile = join(persistTo, "empty.env");
  writeFileSync(envFile, "");
  args.push("--env-file", envFile);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    detached: true, // own process group: a group kill reaches workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-8_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exit = null;
  const exited = new Promise((ok) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      ok(exit);
    }),
  );
  const server = {
    label,
    url: `http://127.0.0.1:${port}`,
    /** The V8 inspector of the Worker (`/json` lists its targets); bench/overhead/profile.mjs. */
    inspectorPort,
    pid: child.pid,
    persistTo,
    /** The last 8 kB wrangler printed (warnings and errors only, at `--log-level warn`). */
    output: () => output,
    /** `null` while wrangler runs, else how it exited (before `stop`, that is a crash). */
    exit: () => exit,
    stop: () => stopServer(server, child, exited, persistTo),
  };
  live.add(server);
  try {
    await waitReady(`${server.url}${healthPath}`, readyTimeoutMs, exited);
  } catch (error) {
    const exitedEarly = exit !== null; // before `stop`, which makes it exit anyway
    await server.stop();
    const failure = new Error(`${label}: ${error.message}\n--- wrangler output ---\n${output}`);
    failure.exitedEarly = exitedEarly;
    throw failure;
  }
  return server;
}

async function waitReady(url, timeoutMs, exited) {
  const until = Date.now() + timeoutMs;
  let early = null;
  exited.then((how) => {
    early = how;
  });
  while (Date.now() < until) {
    if (early) throw new Error(`wrangler exited before ready (${JSON.stringify(early)})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/**
 * SIGTERM to wrangler's PID (it stops and reaps its workerd children), SIGKILL to its whole
 * process group after 5 s; then removes the state directory.
 */
async function stopServer(server, child, exited, persistTo) {
  if (!live.has(server)) return;
  live.delete(server);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  // workerd may outlive wrangler by a moment; make sure nothing of the group is left.
  signalGroup(child.pid, "SIGKILL");
  rmSync(persistTo, { recursive: true, force: true });
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Synchronous last resort for `exit`: no awaiting possible, so SIGKILL the groups. */
function killAllNow() {
  for (const server of live) {
    signalGroup(server.pid, "SIGKILL");
    rmSync(server.persistTo, { recursive: true, force: true });
  }
  live.clear();
}

process.once("exit", killAllNow);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    killAllNow();
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
  });
}
process.once("uncaughtException", (error) => {
  killAllNow();
  console.error(error);
  process.exit(1);
});
