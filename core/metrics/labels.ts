import type { Labels } from "./types";

/**
 * The canonical key of a label set: its entries sorted by name, as JSON. Two label sets with
 * the same pairs get the same key whatever order they were written in.
 */
export function labelKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return JSON.stringify(names.map((name) => [name, labels[name]]));
}

/** The label set a `labelKey` was made from. */
export function labelsOf(key: string): Labels {
  const pairs = JSON.parse(key) as [string, string][];
  return Object.fromEntries(pairs);
}
