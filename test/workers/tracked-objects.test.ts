import { describe, expect, it } from "vitest";
import {
  breakerFor,
  MAX_TRACKED_OBJECTS,
  objectKey,
  recordLoad,
  underPressure,
} from "../../workers/shard-call";

describe("Edge state per object stays bounded", () => {
  it("keeps at most MAX_TRACKED_OBJECTS breakers: past it the oldest is dropped and starts closed again", () => {
    const first = `tracked-first-${Date.now()}`;
    const breaker = breakerFor(first);
    for (let i = 0; i < 5; i++) breaker.onFailure();
    expect(breakerFor(first).state).toBe("open");
    for (let i = 0; i < MAX_TRACKED_OBJECTS; i++) breakerFor(`tracked-${i}`);
    expect(breakerFor(first)).not.toBe(breaker);
    expect(breakerFor(first).state).toBe("closed");
  });

  it("keeps at most MAX_TRACKED_OBJECTS load reports", () => {
    const first = `pressure-first-${Date.now()}`;
    const now = Date.now();
    recordLoad(first, { inFlight: 1, queued: 1, limit: 1 }, now);
    expect(underPressure(first, now)).toBe(true);
    for (let i = 0; i < MAX_TRACKED_OBJECTS; i++) {
      recordLoad(`pressure-${i}`, { inFlight: 0, queued: 0, limit: 1 }, now);
    }
    expect(underPressure(first, now)).toBe(false);
  });

  it("drops the least recently used: a shard in use survives a flood of new entity keys", () => {
    const shard = objectKey({ service: "inventory", name: `inventory-lru-${Date.now()}` });
    const breaker = breakerFor(shard);
    for (let i = 0; i < 5; i++) breaker.onFailure();
    for (let i = 0; i < MAX_TRACKED_OBJECTS; i++) {
      breakerFor(objectKey({ service: "sessions", name: `user-${i}` }));
      if (i % 1000 === 0) breakerFor(shard); // the shard keeps answering meanwhile
    }
    expect(breakerFor(shard)).toBe(breaker);
    expect(breaker.state).toBe("open");
  });

  it("keeps an entity named like another service's shard apart from that shard", () => {
    const name = `inventory-${Date.now() % 16}`;
    const shardBreaker = breakerFor(objectKey({ service: "inventory", name }));
    expect(breakerFor(objectKey({ service: "sessions", name }))).not.toBe(shardBreaker);
  });
});
