/**
 * The key a per-client limit counts under, from the client's address as the platform gives it
 * (`CF-Connecting-IP`).
 *
 * An IPv4 address is one client. An IPv6 address is not: a single subscriber is routinely
 * given a whole /64 (RFC 6177 recommends /48 to /64 per site), so keying by the full address
 * would give an attacker 2^64 fresh budgets. IPv6 addresses are therefore keyed by their /64
 * prefix, written canonically (`2001:db8:0:1::/64`), so every spelling of one network — with
 * or without `::`, leading zeros or upper case — counts once. Anything that is not an address
 * (a missing header in local runs) is keyed as given.
 */
export function clientKey(address: string): string {
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16));
  return `${compress(prefix)}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or `null` if it is not one. */
function ipv6Groups(address: string): string[] | null {
  const bare = address.split("%")[0] ?? ""; // a zone index (`fe80::1%eth0`) is not part of it
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves[1] ? halves[1].split(":") : [];
  const last = (tail.length > 0 ? tail : head).at(-1) ?? "";
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) takes the place of two groups.
  if (last.includes(".")) {
    const v4 = ipv4Groups(last);
    if (!v4) return null;
    (tail.length > 0 ? tail : head).splice(-1, 1, ...v4);
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups : null;
}

function ipv4Groups(address: string): [string, string] | null {
  const octets = address.split(".").map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    return null;
  }
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/** Four groups of a /64 prefix, with trailing zero groups folded into the `::` that follows. */
function compress(prefix: string[]): string {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === "0") end--;
  return end === 0 ? "" : prefix.slice(0, end).join(":");
}
