import type { Labels } from "./types";

/**
 * The canonical key of a label set: its entries sorted by name, as JSON. Two label sets with
 * the same pairs get the same key whatever order they were written in.
 */
export function labelKey(labels: Labels): string {
  // Every counted event asks for a key, mostly for the same few label sets: the canonical
  // form (sort + JSON) is computed once per spelling and looked up after that.
  // Length-prefixed, so no name or value can spell another set's pairs.
  let spelling = "";
  for (const name of Object.keys(labels)) {
    const value: unknown = labels[name];
    // Not a label value (the type forbids it): no memo, whose spelling could not tell 1 from "1".
    if (typeof value !== "string") return canonicalKey(labels);
    spelling += `${name.length}:${name}${value.length}:${value}`;
  }
  let key = canonical.get(spelling);
  if (key === undefined) {
    key = canonicalKey(labels);
    if (canonical.size >= MAX_SPELLINGS) canonical.clear();
    canonical.set(spelling, key);
  }
  return key;
}

const canonicalKey = (labels: Labels): string =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]]),
  );

/**
 * Label sets whose canonical key is known, by their spelling (names and values in written
 * order). Bounded: label values are meant to be few, but a flood of new ones only starts the
 * memo over, it never grows without end.
 */
const canonical = new Map<string, string>();
const MAX_SPELLINGS = 4096;

/** The label set a `labelKey` was made from. */
export function labelsOf(key: string): Labels {
  const pairs = JSON.parse(key) as [string, string][];
  return Object.fromEntries(pairs);
}
