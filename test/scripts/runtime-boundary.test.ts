import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const RUNTIME = resolve("durable-objects/runtime");

/** The runtime's public entries: its index, the platform-free declarations, the test helpers. */
const PUBLIC = new Set(["", "index", "service", "service/index", "testing"]);

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourcesUnder(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Imports in `file` of the runtime by a path past its public entries (`…/runtime/actor`). */
function internalImports(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/from\s+"(\.[^"]+)"/g)].map((m) => m[1] ?? "");
  return specifiers.filter((s) => {
    const target = resolve(dirname(file), s);
    if (target !== RUNTIME && !target.startsWith(`${RUNTIME}/`)) return false;
    return !PUBLIC.has(relative(RUNTIME, target));
  });
}

describe("The runtime's public surface", () => {
  it("recognises an internal import, so the check below can fail", () => {
    expect(
      internalImports(
        "durable-objects/sessions/shard.ts",
        'import { Timers } from "../runtime/timers";\nimport { Actor } from "../runtime";\n' +
          'import { defineService } from "../runtime/service";',
      ),
    ).toEqual(["../runtime/timers"]);
  });

  it("services, the edge and benchmarks import the runtime only through its public entries", () => {
    const roots = ["durable-objects", "workers", "bench", "soak", "test"];
    // The runtime's own code and tests; and Node tests of its pure parts, where the index
    // (which loads `cloudflare:workers`) cannot be imported.
    const runtimeOwn = ["durable-objects/runtime", "test/runtime", "test/scripts"];
    const offenders = roots
      .flatMap(sourcesUnder)
      .filter((file) => !runtimeOwn.some((own) => file.startsWith(own)))
      .flatMap((file) =>
        internalImports(file, readFileSync(file, "utf8")).map((s) => `${file}: ${s}`),
      );
    expect(offenders).toEqual([]);
  });
});
