import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  engineFloor,
  installDecision,
  type Lockfile,
  lockDrift,
  meetsFloor,
  processesUsing,
} from "../../scripts/lib/install-state.mjs";

const lock: Lockfile = {
  packages: {
    "": { version: "0.1.0" },
    "node_modules/hono": { version: "4.13.19" },
    "node_modules/@biomejs/cli-darwin-arm64": { version: "2.6.8", optional: true },
  },
};
const installedAsLocked: Lockfile = { packages: { "node_modules/hono": { version: "4.13.19" } } };

describe("lockDrift: is node_modules what package-lock.json asks for", () => {
  it("accepts a tree npm laid out from the lock, other platforms' optional binaries absent", () => {
    expect(lockDrift(lock, installedAsLocked)).toBeNull();
  });

  it("names what is missing, stale or extra", () => {
    expect(lockDrift(lock, null)).toMatch(/node_modules is missing/);
    expect(lockDrift(lock, { packages: {} })).toBe("hono 4.13.19 is not installed");
    expect(lockDrift(lock, { packages: { "node_modules/hono": { version: "4.0.0" } } })).toBe(
      "hono is 4.0.0, the lock says 4.13.19",
    );
    const extra = { packages: { ...installedAsLocked.packages, "node_modules/left-pad": {} } };
    expect(lockDrift(lock, extra)).toBe("left-pad is installed but not locked");
  });

  it("finds this checkout's own node_modules up to date, so `npm test` after `npm ci` installs nothing", () => {
    const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Lockfile;
    expect(
      lockDrift(read("package-lock.json"), read("node_modules/.package-lock.json")),
    ).toBeNull();
  });
});

describe("installDecision", () => {
  it("runs without installing when the tree matches, even beside a running server", () => {
    const decision = installDecision({
      lock,
      installed: installedAsLocked,
      otherUsers: ["npm start (pid 42)"],
    });
    expect(decision).toEqual({ action: "run" });
  });

  it("installs a missing or stale tree when nothing else runs from it", () => {
    expect(installDecision({ lock, installed: null, otherUsers: [] })).toMatchObject({
      action: "install",
    });
  });

  it("refuses to reinstall under a running server and names it", () => {
    const decision = installDecision({
      lock,
      installed: { packages: {} },
      otherUsers: ["npm start (pid 42)"],
    });
    expect(decision).toEqual({
      action: "refuse",
      reason: "hono 4.13.19 is not installed",
      users: ["npm start (pid 42)"],
    });
  });
});

describe("Node floor", () => {
  it("compares versions numerically, not as text", () => {
    expect(meetsFloor("v20.19.0", "20.19.0")).toBe(true);
    expect(meetsFloor("v20.18.3", "20.19.0")).toBe(false);
    expect(meetsFloor("v20.9.0", "20.19.0")).toBe(false);
    expect(meetsFloor("v22.1.0", "20.19.0")).toBe(true);
    expect(meetsFloor("v20.20.2", "20.19.0")).toBe(true);
  });

  it("is declared in package.json as >=20.19.0, what the locked vite and rolldown require", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } };
    expect(engineFloor(pkg.engines.node)).toBe("20.19.0");
    const locked = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    expect(locked.packages["node_modules/vite"]?.engines?.node).toMatch(/\^20\.19\.0/);
    expect(locked.packages["node_modules/rolldown"]?.engines?.node).toMatch(/\^20\.19\.0/);
    expect(() => engineFloor("^20")).toThrow(/engines.node must be/);
  });
});

describe("processesUsing: servers started without npm start", () => {
  it("finds wrangler, vitest or workerd running from this checkout, never itself or its parents", () => {
    const found = processesUsing(
      [
        { pid: 5, cwd: "/r", command: "/usr/bin/node /r/node_modules/.bin/wrangler dev" },
        {
          pid: 6,
          cwd: "/elsewhere",
          command: "/r/node_modules/@cloudflare/workerd-linux-64/bin/workerd serve",
        },
        { pid: 7, cwd: "/r", command: "npm start" },
        { pid: 8, cwd: "/r", command: "node /r/node_modules/.bin/vitest run" },
        { pid: 9, cwd: "/other", command: "node /other/node_modules/.bin/wrangler dev" },
        { pid: 10, cwd: "/r", command: "/r/node_modules/@biomejs/cli-linux-x64/biome lsp-proxy" },
      ],
      "/r",
      [8, 7],
    );
    expect(found).toEqual([
      "/usr/bin/node /r/node_modules/.bin/wrangler dev (pid 5)",
      "/r/node_modules/@cloudflare/workerd-linux-64/bin/workerd serve (pid 6)",
    ]);
  });
});
