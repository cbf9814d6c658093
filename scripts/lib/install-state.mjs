/**
 * Pure decisions behind `npm start` / `npm test` (no fs, no process): is the installed tree
 * what `package-lock.json` asks for, does this Node meet the floor, and may we install now.
 * Kept free of Node APIs so a test can feed it objects.
 */

/**
 * Why `node_modules` does not match the lock, or `null` when it does. `installed` is npm's
 * own record of the tree it laid out (`node_modules/.package-lock.json`, written by every
 * `npm ci`/`npm install`), so a fresh `npm ci` (CI does one) counts as up to date and nothing
 * installs twice. Optional packages (other platforms' binaries) may be absent, never stale.
 */
export function lockDrift(lock, installed) {
  if (!installed) return "node_modules is missing (or was not installed by npm)";
  const want = lock?.packages ?? {};
  const have = installed.packages ?? {};
  for (const [path, entry] of Object.entries(want)) {
    if (path === "" || entry.link) continue;
    const got = have[path];
    if (!got) {
      if (entry.optional) continue;
      return `${path.replace(/^node_modules\//, "")} ${entry.version} is not installed`;
    }
    if (got.version !== entry.version) {
      return `${path.replace(/^node_modules\//, "")} is ${got.version}, the lock says ${entry.version}`;
    }
  }
  for (const path of Object.keys(have)) {
    if (!(path in want))
      return `${path.replace(/^node_modules\//, "")} is installed but not locked`;
  }
  return null;
}

/** `[major, minor, patch]` of "v20.19.1" or "20.19.1". */
export function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(text).trim());
  if (!match) throw new Error(`not a version: ${JSON.stringify(text)}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The floor of an `engines.node` range of the form `>=X.Y.Z` (the only form we declare). */
export function engineFloor(range) {
  const match = /^>=\s*(\d+\.\d+\.\d+)$/.exec(String(range).trim());
  if (!match) throw new Error(`engines.node must be ">=X.Y.Z", got ${JSON.stringify(range)}`);
  return match[1];
}

/** True when `version` is at least `floor` (both "X.Y.Z", optionally with a leading v). */
export function meetsFloor(version, floor) {
  const [a, b] = [parseVersion(version), parseVersion(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/**
 * What to do before running: `{ action: "run" }` when the tree matches the lock;
 * `{ action: "install", reason }` when it does not and nothing else uses it;
 * `{ action: "refuse", reason, users }` when it does not but another `npm start`/`npm test`
 * is running from it (`npm ci` deletes `node_modules` first: it would pull the ground from
 * under that server).
 */
export function installDecision({ lock, installed, otherUsers }) {
  const drift = lockDrift(lock, installed);
  if (drift === null) return { action: "run" };
  if (otherUsers.length > 0) return { action: "refuse", reason: drift, users: otherUsers };
  return { action: "install", reason: drift };
}

/**
 * Servers and test runs from this checkout that `npm start`/`npm test` did not register (a
 * `npx wrangler dev` or `npx vitest` of one's own): each `{ pid, cwd, command }` that runs
 * wrangler, vitest or workerd from `<root>/node_modules/` or from `root`. `self` holds this process and its ancestors, never counted.
 */
export function processesUsing(processes, root, self) {
  const modules = `${root}/node_modules/`;
  return processes
    .filter(({ pid }) => !self.includes(pid))
    .filter(
      ({ cwd, command }) =>
        /\b(wrangler|vitest|workerd)\b/.test(command) &&
        (command.includes(modules) || cwd === root),
    )
    .map(({ pid, command }) => `${command.split(" ").slice(0, 3).join(" ")} (pid ${pid})`);
}
