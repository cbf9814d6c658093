import type { Sample, Scrape } from "./parse";

/** Which samples count, and which group each one adds to (`null`: leave it out). */
export type GroupBy = (labels: Readonly<Record<string, string>>) => string | null;

const seriesKey = (sample: Sample): string =>
  Object.entries(sample.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(",");

function valuesOf(scrape: Scrape, name: string): Map<string, Sample> {
  const series = new Map<string, Sample>();
  for (const sample of scrape.samples) {
    if (sample.name === name) series.set(seriesKey(sample), sample);
  }
  return series;
}

/**
 * How much counter `name` grew from `prev` to `curr`, series by series, summed into the
 * groups `by` names. As Prometheus' `increase()` does, a series that went down was reset
 * (its object or isolate restarted), so its whole current value is new; a series missing
 * from `prev` started at zero.
 */
export function increaseBy(
  prev: Scrape,
  curr: Scrape,
  name: string,
  by: GroupBy,
): Map<string, number> {
  const before = valuesOf(prev, name);
  const groups = new Map<string, number>();
  for (const [key, sample] of valuesOf(curr, name)) {
    const group = by(sample.labels);
    if (group === null) continue;
    const old = before.get(key)?.value ?? 0;
    const grown = sample.value >= old ? sample.value - old : sample.value;
    groups.set(group, (groups.get(group) ?? 0) + grown);
  }
  return groups;
}

/** `increaseBy` per second of the time between the two scrapes (0 when no time passed). */
export function rateBy(prev: Scrape, curr: Scrape, name: string, by: GroupBy): Map<string, number> {
  const seconds = (curr.at - prev.at) / 1000;
  const grown = increaseBy(prev, curr, name, by);
  for (const [group, value] of grown) grown.set(group, seconds > 0 ? value / seconds : 0);
  return grown;
}

/** The current value of gauge `name`, summed into the groups `by` names. */
export function gaugeBy(scrape: Scrape, name: string, by: GroupBy): Map<string, number> {
  const groups = new Map<string, number>();
  for (const sample of valuesOf(scrape, name).values()) {
    const group = by(sample.labels);
    if (group !== null) groups.set(group, (groups.get(group) ?? 0) + sample.value);
  }
  return groups;
}
