const encoder = new TextEncoder();
const decoder = new TextDecoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The id of alarm `{name, source}`: `<name>.<base64url of the source's UTF-8>`. Stable (the
 * same identity always gives the same id), URL-safe (only `A–Z a–z 0–9 - _ .`) and
 * reversible, so sources with any characters (URLs, skus with `:`) never collide.
 */
export function alarmId(name: string, source: string): string {
  return `${name}.${base64url(encoder.encode(source))}`;
}

/** The `{name, source}` an id stands for, or `null` when it is not an alarm id. */
export function parseAlarmId(id: string): { name: string; source: string } | null {
  const match = /^([a-z][a-z0-9-]*)\.([A-Za-z0-9_-]*)$/.exec(id);
  if (!match?.[1] || match[2] === undefined) return null;
  try {
    const padded = match[2].replaceAll("-", "+").replaceAll("_", "/");
    const binary = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return { name: match[1], source: decoder.decode(bytes) };
  } catch {
    return null;
  }
}
