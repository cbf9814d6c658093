/**
 * The workers tests' bindings come from `vitest.config.ts` only. The pool builds its env
 * from `wrangler.toml` and then from `.dev.vars` (or `.env`) beside it — the file
 * `npm start` uses for local settings — and a local `RATE_LIMIT_PER_MINUTE=3` there once
 * failed 37 tests. So every var of `wrangler.toml` is pinned here to its committed value
 * (plus the tests' own overrides, which win), and a local file that names anything else is
 * refused with a message instead of silently changing what the tests run against.
 */

/** `KEY` names of a dotenv-style text (`KEY=value` lines; comments and blanks ignored). */
export function dotenvKeys(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);
}

/**
 * `wrangler.toml`'s vars overridden by `overrides`, all as strings. Throws when `localKeys`
 * (the keys of `.dev.vars`/`.env`) holds a key this would leave unpinned.
 */
export function pinnedBindings(
  tomlVars: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, string>>,
  localKeys: readonly string[] = [],
): Record<string, string> {
  const pinned: Record<string, string> = {};
  for (const [key, value] of Object.entries(tomlVars)) {
    pinned[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  Object.assign(pinned, overrides);
  const loose = localKeys.filter((key) => !Object.hasOwn(pinned, key));
  if (loose.length > 0) {
    throw new Error(
      `.dev.vars/.env set ${loose.join(", ")}, which the workers tests do not pin: the pool ` +
        "would pass the local value into every test. Add a test value for it in " +
        "vitest.config.ts (workerBindings) or a default in wrangler.toml [vars].",
    );
  }
  return pinned;
}
