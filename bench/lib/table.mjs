/**
 * Prints `rows` (plain objects) as an aligned text table. `columns` is a list of
 * `[key, heading]` or `[key, heading, format]`; numbers are right-aligned.
 */
export function printTable(rows, columns, out = console.log) {
  const cells = rows.map((row) =>
    columns.map(([key, , format]) => {
      const value = row[key];
      if (format) return format(value, row);
      if (value === null || value === undefined) return "-";
      if (typeof value === "number")
        return Number.isInteger(value) ? String(value) : value.toFixed(2);
      return String(value);
    }),
  );
  const widths = columns.map(([, heading], i) =>
    Math.max(heading.length, ...cells.map((line) => line[i].length)),
  );
  const numeric = columns.map((_, i) => cells.every((line) => /^-?[\d.]+[x%]?$|^-$/.test(line[i])));
  const pad = (text, i) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  out(columns.map(([, heading], i) => pad(heading, i)).join("  "));
  out(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of cells) out(line.map(pad).join("  "));
}

/** A column format with a fixed number of decimals ("-" for missing values). */
export const fixed = (digits) => (value) =>
  value === null || value === undefined ? "-" : Number(value).toFixed(digits);

/** "PASS" or "FAIL" for a boolean, "n/a" when the figure could not be measured. */
export const verdict = (ok) => (ok === null || ok === undefined ? "n/a" : ok ? "PASS" : "FAIL");
