import { cumulative } from "./histogram";
import type { FamilySnapshot, FamilySpec, Labels } from "./types";

/** The two exposition formats `/metrics` speaks. */
export type ExpositionFormat = "prometheus" | "openmetrics";

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/**
 * Content negotiation: OpenMetrics 1.0 when `Accept` lists `application/openmetrics-text`
 * (version 1.0.0 or unversioned) with a quality at least that of the text format; the
 * Prometheus text format 0.0.4 otherwise (also for a missing or unknown `Accept`).
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  let openMetrics = 0;
  let text = 0;
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    const param = (name: string) =>
      params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);
    const q = param("q") === undefined ? 1 : Number(param("q"));
    if (!(q > 0)) continue;
    const version = param("version");
    if (type === "application/openmetrics-text" && (version ?? "1.0.0") === "1.0.0") {
      openMetrics = Math.max(openMetrics, q);
    } else if (type === "text/plain" || type === "*/*" || type === "text/*") {
      text = Math.max(text, q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? "openmetrics" : "prometheus";
}

/** Label values escape backslash, double quote and line feed (both formats). */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** HELP text: backslash and line feed in the text format; OpenMetrics also escapes quotes. */
const escapeHelp = (help: string, format: ExpositionFormat): string => {
  const escaped = help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return format === "openmetrics" ? escaped.replace(/"/g, '\\"') : escaped;
};

/** A sample value: integers plainly, `+Inf`/`-Inf`/`NaN` as both formats spell them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** A bucket bound; OpenMetrics wants canonical floats (`1.0`, not `1`). */
function formatBound(bound: number, format: ExpositionFormat): string {
  const text = formatValue(bound);
  return format === "openmetrics" && Number.isInteger(bound) ? `${text}.0` : text;
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/** The family name in metadata lines: OpenMetrics names counters without `_total`. */
function familyName(spec: FamilySpec, format: ExpositionFormat): string {
  if (format === "openmetrics" && spec.type === "counter" && spec.name.endsWith("_total")) {
    return spec.name.slice(0, -"_total".length);
  }
  return spec.name;
}

function renderFamily(family: FamilySnapshot, format: ExpositionFormat): string[] {
  const { spec } = family;
  const name = familyName(spec, format);
  const lines = [`# HELP ${name} ${escapeHelp(spec.help, format)}`, `# TYPE ${name} ${spec.type}`];
  if (format === "openmetrics" && spec.type === "histogram" && name.endsWith("_seconds")) {
    lines.push(`# UNIT ${name} seconds`);
  }
  if (family.spec.type !== "histogram") {
    for (const s of family.series as { labels: Labels; value: number }[]) {
      lines.push(`${spec.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
    return lines;
  }
  const bounds = spec.buckets ?? [];
  for (const s of family.series as { labels: Labels; counts: number[]; sum: number }[]) {
    const totals = cumulative(s.counts);
    bounds.forEach((bound, i) => {
      const le: [string, string] = ["le", formatBound(bound, format)];
      lines.push(`${name}_bucket${labelText(s.labels, le)} ${formatValue(totals[i] ?? 0)}`);
    });
    const count = totals[totals.length - 1] ?? 0;
    lines.push(`${name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${formatValue(count)}`);
    lines.push(`${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
    lines.push(`${name}_count${labelText(s.labels)} ${formatValue(count)}`);
  }
  return lines;
}

/**
 * Renders families in the Prometheus text format 0.0.4 or OpenMetrics 1.0: `HELP` and `TYPE`
 * for every family, cumulative `_bucket{le}` lines up to `+Inf` with `_sum` and `_count` for
 * histograms, and the `# EOF` OpenMetrics requires at the end.
 */
export function renderExposition(families: readonly FamilySnapshot[], format: ExpositionFormat) {
  const lines = families.flatMap((family) => renderFamily(family, format));
  if (format === "openmetrics") lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}
