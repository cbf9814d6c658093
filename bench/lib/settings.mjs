import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { ROOT } from "./wrangler-dev.mjs";

/** A positive number from environment variable `name`, or `fallback`; throws on garbage. */
export function envNumber(name, fallback, { min = 0, integer = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be ${integer ? "an integer" : "a number"} >= ${min}, got "${raw}"`,
    );
  }
  return value;
}

/** `BENCH_STRICT=1`: a missed target makes the process exit non-zero. */
export const strict = () => process.env.BENCH_STRICT === "1";

/** What the numbers were measured on; ratios only make sense within one such run. */
export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * Writes `data` as pretty JSON to bench/results/<name>.json and returns the path. The file
 * is then passed through the repository's formatter (best effort): biome.json does not
 * exclude bench/results/, so an unformatted result would fail `npm run check`.
 */
export function writeResults(name, data) {
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  const biome = join(ROOT, "node_modules/.bin/biome");
  if (existsSync(biome)) spawnSync(biome, ["format", "--write", path], { stdio: "ignore" });
  return path;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
