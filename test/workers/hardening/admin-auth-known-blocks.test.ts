import { describe, expect, it } from "vitest";
import {
  KNOWN_BLOCKS_MAX,
  rememberBlock,
  rememberedBlocks,
} from "../../../workers/middleware/admin-auth";

/** Unique client names per test: the remembered blocks are per isolate, shared by the file. */
let seq = 0;
const clientName = (i: number) => `198.51.${++seq}.${i}`;

describe("The isolate's remembered admin-auth blocks", () => {
  it(`keeps at most ${KNOWN_BLOCKS_MAX} clients, dropping the oldest first`, () => {
    const now = Date.now();
    const clients = Array.from({ length: KNOWN_BLOCKS_MAX + 5 }, (_, i) => clientName(i));
    for (const client of clients) rememberBlock(client, now + 60_000, now);
    expect(rememberedBlocks.size).toBe(KNOWN_BLOCKS_MAX);
    for (const dropped of clients.slice(0, 5)) expect(rememberedBlocks.has(dropped)).toBe(false);
    expect(rememberedBlocks.get(clients[5] ?? "")).toBe(now + 60_000);
    expect(rememberedBlocks.get(clients.at(-1) ?? "")).toBe(now + 60_000);
  });

  it("drops blocks that already ended when it remembers a new one", () => {
    const now = Date.now();
    const [ended, live, added] = [clientName(1), clientName(2), clientName(3)];
    rememberBlock(ended, now + 10, now);
    rememberBlock(live, now + 1000, now);
    rememberBlock(added, now + 1000, now + 20);
    expect(rememberedBlocks.has(ended)).toBe(false);
    expect(rememberedBlocks.get(live)).toBe(now + 1000);
    expect(rememberedBlocks.get(added)).toBe(now + 1000);
  });
});
