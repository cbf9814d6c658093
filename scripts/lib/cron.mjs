/**
 * A minimal five-field cron matcher (minute hour day-of-month month day-of-week, UTC, as
 * Cloudflare evaluates triggers) for firing `wrangler.toml`'s `[triggers] crons` under
 * `npm start`: `*`, numbers, `a-b` ranges, `*\/n` and `a-b/n` steps, comma lists. Names
 * (`MON`, `JAN`), `L`, `W` and `#` are not supported and throw, so a schedule we cannot
 * follow is reported instead of silently never firing.
 */

const FIELDS = [
  { name: "minute", min: 0, max: 59, of: (d) => d.getUTCMinutes() },
  { name: "hour", min: 0, max: 23, of: (d) => d.getUTCHours() },
  { name: "day of month", min: 1, max: 31, of: (d) => d.getUTCDate() },
  { name: "month", min: 1, max: 12, of: (d) => d.getUTCMonth() + 1 },
  { name: "day of week", min: 0, max: 7, of: (d) => d.getUTCDay() },
];

function partMatches(part, value, field) {
  const [range, stepText] = part.split("/");
  const step = stepText === undefined ? 1 : Number(stepText);
  let lo = field.min;
  let hi = field.max;
  if (range !== "*") {
    const bounds = range.split("-").map(Number);
    lo = bounds[0];
    hi = bounds.length === 2 ? bounds[1] : stepText === undefined ? lo : field.max;
  }
  const ok =
    [lo, hi, step].every(Number.isInteger) && step >= 1 && lo >= field.min && hi <= field.max;
  if (!ok) throw new Error(`cron ${field.name} field "${part}" is not supported`);
  if (field.name === "day of week" && value === 0 && hi === 7 && (7 - lo) % step === 0) return true;
  return value >= lo && value <= hi && (value - lo) % step === 0;
}

/** True when `expression` fires at `date`'s minute. Throws on syntax it does not support. */
export function cronMatches(expression, date) {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}" must have 5 fields`);
  return FIELDS.every((field, i) =>
    parts[i].split(",").some((part) => partMatches(part, field.of(date), field)),
  );
}

/** The crons of a `wrangler.toml` text (`crons = [...]` under `[triggers]`). */
export function cronsOf(wranglerToml) {
  const match = /^\s*crons\s*=\s*\[([^\]]*)\]/m.exec(wranglerToml);
  if (!match) return [];
  return [...match[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}
