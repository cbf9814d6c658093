/**
 * Structured logs: one JSON object per line, so Workers Logs and Logpush can filter and
 * aggregate them by field instead of parsing prose. Every line has `level`, `event` (a
 * kebab-case name such as `actor-crashed` or `alarm-raised`) and `at` (ISO-8601); the rest
 * are the event's fields (`requestId` where there is one). Expected conditions carry no stack.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Readonly<Record<string, unknown>>;

/** Formats one log line (pure; `logEvent` writes it). */
export function logLine(
  level: LogLevel,
  event: string,
  fields: LogFields = {},
  now = Date.now(),
): string {
  return JSON.stringify({ level, event, at: new Date(now).toISOString(), ...fields });
}

/** Writes one structured log line to the console method of its level. */
export function logEvent(level: LogLevel, event: string, fields: LogFields = {}): void {
  const line = logLine(level, event, fields);
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
