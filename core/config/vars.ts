/**
 * Reading `wrangler.toml` vars (strings) and test bindings (strings or numbers) the one way
 * every part of Bulwark validates configuration: eagerly, with a message that names the
 * field and its limits, never a silent fallback for a value that is present but wrong.
 */

/** Raw vars as the platform hands them over. */
export type Vars = Readonly<Record<string, unknown>>;

/** An integer var within `[min, max]`; `fallback` when it is unset or empty. */
export function integer(
  vars: Vars,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = vars[field];
  if (raw === undefined || raw === "") return fallback;
  const value = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** An `on`/`off` switch (default `on`). */
export function onOff(vars: Vars, field: string): boolean {
  const raw = vars[field] ?? "on";
  if (raw !== "on" && raw !== "off") {
    throw new Error(`${field} must be "on" or "off", got ${JSON.stringify(raw)}`);
  }
  return raw === "on";
}
