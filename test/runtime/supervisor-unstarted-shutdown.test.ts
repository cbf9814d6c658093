import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ROOT, ShardRouter } from "../../durable-objects";
import { supervisor } from "./helpers";

/** What a shard's `fetch` answers: a stopped actor answers 503 "stopped by its supervisor". */
async function probe(router: ShardRouter, index: number) {
  const address = router.shard("inventory", index);
  if (!address) throw new Error(`no inventory shard ${index}`);
  const response = await router.stub(address).fetch(new Request("http://shard.test/"));
  return { status: response.status, text: await response.text() };
}

describe("Shutting down a supervisor that was never started", { timeout: 20_000 }, () => {
  it("takes its children over first and stops every one of them", async () => {
    const router = new ShardRouter(env);
    const shards = router.shards("inventory");
    // The shards run (they start on first use); neither root nor the inventory supervisor
    // has been started: the reference tree takes its service supervisors over lazily.
    for (const shard of shards) expect((await probe(router, shard.index)).status).not.toBe(503);
    expect(await supervisor(ROOT).terminateChild("inventory")).toEqual({ ok: true });
    for (const shard of shards) {
      expect(await probe(router, shard.index)).toEqual({
        status: 503,
        text: "inventory is stopped by its supervisor",
      });
    }
  });
});
