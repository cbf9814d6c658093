import { describe, expect, it } from "vitest";
import { clientKey } from "../../core/http/client-key";

describe("clientKey", () => {
  it("keys an IPv4 address as itself", () => {
    expect(clientKey("192.0.2.7")).toBe("192.0.2.7");
  });

  it("keys every address of one IPv6 /64 the same, however it is spelled", () => {
    const spellings = [
      "2001:db8:0:1::1",
      "2001:0db8:0000:0001:ffff:ffff:ffff:ffff",
      "2001:DB8:0:1:a:b:c:d",
      "2001:db8::1:0:0:0:5",
      "2001:db8:0:1::ffff:192.0.2.1",
    ];
    for (const address of spellings) expect(clientKey(address)).toBe("2001:db8:0:1::/64");
  });

  it("keys neighbouring /64 networks apart", () => {
    expect(clientKey("2001:db8:0:2::1")).toBe("2001:db8:0:2::/64");
    expect(clientKey("2001:db8:1:1::1")).not.toBe(clientKey("2001:db8:0:1::1"));
  });

  it("folds trailing zero groups of the prefix", () => {
    expect(clientKey("2001:db8::1")).toBe("2001:db8::/64");
    expect(clientKey("::1")).toBe("::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80::/64");
  });

  it("keys what is not an address as given", () => {
    for (const raw of [
      "unknown",
      "1:2:3",
      "::1::2",
      "2001:db8::g",
      "1:2:3:4:5:6:7:8:9",
      "::1.2.3.999",
    ]) {
      expect(clientKey(raw)).toBe(raw);
    }
  });
});
