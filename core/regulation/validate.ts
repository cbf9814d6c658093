/** Throws unless `value` is an integer >= `min`; the message names the field and the limit. */
export function requireInteger(field: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${field} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** Throws unless `value` is a finite number > 0; the message names the field and the limit. */
export function requirePositive(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${field} must be a finite number > 0, got ${value}`);
  }
  return value;
}

/** Throws unless `value` is a finite number >= 0; the message names the field and the limit. */
export function requireNonNegative(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${field} must be a finite number >= 0, got ${value}`);
  }
  return value;
}
