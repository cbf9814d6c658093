import { vi } from "vitest";

/** One console line as a test reads it: the structured fields, or `{ prose }` if not JSON. */
export type LogLine = Record<string, unknown>;

/**
 * Runs `run` with `console.log/warn/error` captured (and kept off the test output), and
 * answers the lines it logged, parsed: the runtime and edge write one JSON object per line
 * (`core/log`), so tests assert on `event` and fields, never on prose.
 */
export async function logsDuring(run: () => Promise<unknown>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const capture = (...args: unknown[]) => {
    try {
      lines.push(JSON.parse(String(args[0])));
    } catch {
      lines.push({ prose: String(args[0]) });
    }
  };
  const spies = (["log", "warn", "error"] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(capture),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines;
}

/** The lines a console spy saw, parsed like `logsDuring`'s. */
export function linesOf(spy: { mock: { calls: unknown[][] } }): LogLine[] {
  return spy.mock.calls.map((args) => {
    try {
      return JSON.parse(String(args[0])) as LogLine;
    } catch {
      return { prose: String(args[0]) };
    }
  });
}
