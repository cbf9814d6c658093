/**
 * Reads Prometheus text exposition 0.0.4 (what `GET /metrics` answers by default) into flat
 * samples, for the dashboard's charts. Only what a chart needs: sample lines with their
 * labels and value; `# HELP`/`# TYPE` and other comments are skipped; timestamps are
 * ignored (a scrape is one instant). A malformed line throws with its line number, so a
 * broken exposition is never charted as zeros.
 */

/** One sample line: `name{label="value",...} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample of one scrape, taken at `at` (ms since the epoch). */
export interface Scrape {
  readonly at: number;
  readonly samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Readonly<Record<string, string>> = { "\\": "\\", '"': '"', n: "\n" };

/** Parses a whole exposition; `at` stamps the scrape. */
export function parseExposition(text: string, at: number): Scrape {
  const samples: Sample[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    try {
      samples.push(parseSampleLine(line));
    } catch (error) {
      throw new Error(`exposition line ${index + 1}: ${(error as Error).message}: ${line}`);
    }
  }
  return { at, samples };
}

function parseSampleLine(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new Error("expected a metric name");
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    const parsed = parseLabels(rest);
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === "") {
    throw new Error("expected a value and an optional timestamp");
  }
  return { name, labels, value: parseValue(fields[0] ?? "") };
}

/** Parses `{a="x",b="y"}` at the start of `text`; `length` is how much it consumed. */
function parseLabels(text: string): { labels: Record<string, string>; length: number } {
  const labels: Record<string, string> = {};
  let i = 1;
  while (true) {
    while (text[i] === " " || text[i] === ",") i += 1;
    if (text[i] === "}") return { labels, length: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (name === undefined || text[i + name.length] !== "=" || text[i + name.length + 1] !== '"') {
      throw new Error(`bad label at column ${i + 1}`);
    }
    i += name.length + 2;
    let value = "";
    while (text[i] !== '"') {
      const char = text[i];
      if (char === undefined) throw new Error(`unterminated value of label "${name}"`);
      if (char === "\\") {
        const escaped = ESCAPES[text[i + 1] ?? ""];
        if (escaped === undefined) throw new Error(`bad escape in label "${name}"`);
        value += escaped;
        i += 2;
      } else {
        value += char;
        i += 1;
      }
    }
    labels[name] = value;
    i += 1;
  }
}

function parseValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`bad value "${text}"`);
  return value;
}
