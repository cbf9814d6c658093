import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROBLEMS } from "../../core/http";
import { RuntimeCodes } from "../../durable-objects/runtime/result";
import { PROBLEM_TABLE, SERVICES, services } from "../../durable-objects/services";

/** Failure codes a source text returns: `fail("code", …)` and `code: "code"` literals. */
function failureCodesIn(source: string): Set<string> {
  const codes = new Set<string>();
  for (const pattern of [/\bfail\(\s*"([a-z0-9-]+)"/g, /\bcode:\s*"([a-z0-9-]+)"/g]) {
    for (const match of source.matchAll(pattern)) if (match[1]) codes.add(match[1]);
  }
  return codes;
}

/** Every `.ts` file under `dir`, recursively. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The codes service `name`'s folder (`durable-objects/<name>/`) returns, with their files. */
function codesOfService(name: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourcesUnder(join("durable-objects", name))) {
    for (const code of failureCodesIn(readFileSync(file, "utf8"))) found.set(code, file);
  }
  return found;
}

describe("Failure codes are declared", () => {
  it("finds codes in source the way services write them, so the check below can fail", () => {
    const codes = failureCodesIn(
      'return fail("payment-declined", "no");\nconst r = { ok: false, code: "card-expired" };',
    );
    expect([...codes]).toEqual(["payment-declined", "card-expired"]);
    expect(codesOfService("inventory").has("insufficient-stock")).toBe(true);
  });

  it("every code a registered service's folder returns is a core code or one it declares", () => {
    const undeclared: string[] = [];
    for (const name of SERVICES) {
      if (!existsSync(join("durable-objects", name))) continue;
      const declared = services.get(name).failures as Record<string, unknown>;
      for (const [code, file] of codesOfService(name)) {
        if (!Object.hasOwn(PROBLEMS, code) && !Object.hasOwn(declared, code)) {
          undeclared.push(`${code} (${file}): declare it in ${name}'s failures`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("every runtime code is in the problem table, but interrupted (answered as a crash)", () => {
    const missing = Object.values(RuntimeCodes).filter(
      (code) => !Object.hasOwn(PROBLEM_TABLE, code),
    );
    expect(missing).toEqual([RuntimeCodes.interrupted]);
  });
});
