import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { acquireInstallLock } from "../../scripts/lib/install-lock.mjs";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the install lock (two terminals on a fresh clone install once)", () => {
  it("is taken and released, holding the owner's pid", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "lock-")), "install.lock");
    const release = acquireInstallLock(dir, { pid: 4242, alive });
    expect(readFileSync(join(dir, "pid"), "utf8")).toBe("4242");
    release();
    expect(existsSync(dir)).toBe(false);
  });

  it("takes over a lock whose owner died", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "lock-")), "install.lock");
    mkdirSync(dir);
    writeFileSync(join(dir, "pid"), "999999");
    const waited: unknown[] = [];
    const release = acquireInstallLock(dir, {
      pid: 1,
      alive: () => false,
      onWait: (h) => waited.push(h),
    });
    expect(waited).toEqual([]);
    expect(readFileSync(join(dir, "pid"), "utf8")).toBe("1");
    release();
  });

  it("waits while another live process holds it, then takes it", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "lock-")), "install.lock");
    const lockModule = pathToFileURL(join(__dirname, "../../scripts/lib/install-lock.mjs")).href;
    // Another run: takes the lock, holds it for a second (its install), releases it.
    const other = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { acquireInstallLock } = await import(${JSON.stringify(lockModule)});
         const release = acquireInstallLock(${JSON.stringify(dir)}, { pid: process.pid, alive: () => true });
         setTimeout(release, 1000);`,
      ],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(dir, "pid")) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const waitedFor: unknown[] = [];
    const startedAt = Date.now();
    const release = acquireInstallLock(dir, {
      pid: process.pid,
      alive,
      onWait: (h) => waitedFor.push(h),
    });
    expect(waitedFor).toEqual([other.pid]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(500);
    expect(readFileSync(join(dir, "pid"), "utf8")).toBe(String(process.pid));
    release();
    await new Promise((resolve) => other.once("exit", resolve));
  });
});
