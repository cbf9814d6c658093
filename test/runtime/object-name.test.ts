import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { objectName } from "../../durable-objects/runtime";
import { inventoryShard, putSku, uniqueSku } from "../workers/client";

/** `state` as a wake-up without the name sees it (an alarm after an eviction, say). */
function nameless(state: DurableObjectState): DurableObjectState {
  const id = { toString: () => state.id.toString(), equals: state.id.equals.bind(state.id) };
  return new Proxy(state, {
    get(target, key) {
      if (key === "id") return id;
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("An object's name on a wake-up that does not carry it", () => {
  it("is the name it was first reached by, kept in its storage, not its hex id", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5); // reaches the shard by name
    const { name } = new ShardRouter(env).locate("inventory", sku);
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      expect(objectName(state)).toBe(name);
      // What an actor, a supervisor and their metrics call themselves on such a wake-up
      // (`Actor.name`, `Supervisor`, the sinks all read `objectName`): the name, so a crash is
      // reported under the child id its supervisor knows. Before, it was the hex id, and the
      // supervisor ignored the report.
      expect(objectName(nameless(state))).toBe(name);
      expect(objectName(nameless(state))).not.toBe(state.id.toString());
    });
  });
});
