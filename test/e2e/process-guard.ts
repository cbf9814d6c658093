/**
 * Makes sure a test process that dies (a crash, Ctrl-C, the runner killing or abandoning
 * its worker) never leaves wrangler or workerd running, nor their temporary state on disk.
 *
 * Each wrangler runs in its own process group, so one synchronous SIGKILL to the group
 * reaches wrangler and its workerd children (an `exit` handler cannot wait for a graceful
 * stop). Hooks in this process cover every death but SIGKILL; a sentinel process per
 * server covers that one.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";

interface Guarded {
  stateDir: string;
  keepState: boolean;
}

const guarded = new Map<number, Guarded>();
const FATAL_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
let hooksInstalled = false;

/** SIGKILLs process group `pid` (wrangler started with `detached: true`); gone is fine. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the whole group has already exited.
  }
}

/**
 * Kills group `pid` and removes `stateDir` (unless `keepState`) if this process dies
 * before `release(pid)`, however it dies.
 */
export function guard(pid: number, stateDir: string, keepState: boolean): void {
  installHooks();
  guarded.set(pid, { stateDir, keepState });
  startSentinel(pid, stateDir, keepState);
}

/** `pid` was stopped in an orderly way; nothing left to do for it (its sentinel sees that). */
export function release(pid: number): void {
  guarded.delete(pid);
}

function killAllNow(): void {
  for (const [pid, { stateDir, keepState }] of guarded) {
    killGroup(pid);
    if (!keepState) rmSync(stateDir, { recursive: true, force: true });
  }
  guarded.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killAllNow);
  // An interrupted vitest run (Ctrl-C, SIGTERM) exits without stopping its forks: the fork
  // only loses its IPC channel and runs on until its current test ends. Treat the runner
  // going away as the end of the servers.
  if (process.send !== undefined) process.on("disconnect", killAllNow);
  for (const signal of FATAL_SIGNALS) {
    const onSignal = (): void => {
      killAllNow();
      // Listening suppressed the default "die on this signal"; if nobody else handles it,
      // restore that behaviour instead of leaving a process that ignores Ctrl-C.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * Plain CommonJS run by `node -e`: every 500 ms, exits once the group is gone, and kills
 * the group (and its state) once its parent, this test process, is gone. A changed
 * `process.ppid` is how an orphan learns its parent died, without racing PID reuse.
 */
const SENTINEL = `
const [parent, group, dir, keep] = process.argv.slice(1);
const groupAlive = () => { try { process.kill(-group, 0); return true; } catch (e) { return e.code === "EPERM"; } };
setInterval(() => {
  if (!groupAlive()) process.exit(0);
  if (process.ppid === Number(parent)) return;
  try { process.kill(-group, "SIGKILL"); } catch {}
  if (keep !== "keep") require("node:fs").rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}, 500);
`;

/**
 * A SIGKILLed test process (vitest's own fallback 500 ms after SIGTERM, the OOM killer) runs
 * no hook, so a small process outside it watches for that. It lives in its own group so a
 * signal meant for the test's group does not take it down before it acts.
 */
function startSentinel(group: number, stateDir: string, keepState: boolean): void {
  const args = [String(process.pid), String(group), stateDir, keepState ? "keep" : "remove"];
  const sentinel = spawn(process.execPath, ["-e", SENTINEL, ...args], {
    detached: true,
    stdio: "ignore",
  });
  sentinel.unref();
}
