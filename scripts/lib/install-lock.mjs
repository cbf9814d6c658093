/**
 * One install at a time per checkout. `npm ci` deletes `node_modules` first, so two runs
 * started together on a fresh clone (the README's two terminals) would each install and
 * tear down the other's tree. The lock is a directory, created atomically (`mkdir` fails
 * when it exists), holding the owner's PID; a run that finds it held by a live process
 * waits until it is gone, then looks at `node_modules` again (usually installed by then).
 * A lock left by a process that died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the lock at `dir` for `pid`, waiting while another live process holds it; answers
 * a release function. `alive(pid)` says whether a holder still runs; `onWait(holder)` is
 * called once when this run starts waiting.
 */
export function acquireInstallLock(dir, { pid, alive, onWait = () => {}, pollMs = 250 }) {
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    const holder = holderOf(dir);
    if (holder !== null && !alive(holder)) {
      rmSync(dir, { recursive: true, force: true }); // its owner died: take it over
      continue;
    }
    if (!told) {
      onWait(holder);
      told = true;
    }
    sleepSync(pollMs);
  }
}

/** The PID in the lock, or `null` while its owner has not written it yet. */
function holderOf(dir) {
  try {
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
