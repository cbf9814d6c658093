import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, expectTypeOf, it } from "vitest";
import { InventoryShard, ShardRouter } from "../../durable-objects";
import type { InventoryProtocol } from "../../durable-objects/inventory/protocol";
import { inventoryService } from "../../durable-objects/inventory/service";
import type { ActorRef } from "../../durable-objects/runtime";
import { serviceAddress, serviceObject, serviceStub } from "../../durable-objects/runtime/testing";
import { getSku, uniqueSku } from "../workers/client";

describe("The runtime's testing entry", () => {
  it("serviceStub reaches the actor the edge routes the key to, typed by the service's protocol", async () => {
    const sku = uniqueSku("testing-entry");
    const stub = serviceStub(env, inventoryService, sku);
    expectTypeOf(stub).toEqualTypeOf<ActorRef<InventoryProtocol>>();
    expect(await stub.call("putSku", { sku, stock: 9 })).toMatchObject({ ok: true });
    expect((await getSku(sku)).stock).toBe(9);
  });

  it("serviceAddress is the router's shard for the key, with the vars applied", () => {
    const sku = uniqueSku("testing-address");
    expect(serviceAddress(env, inventoryService, sku)).toEqual(
      new ShardRouter(env).locate("inventory", sku),
    );
    const one = serviceAddress({ ...env, INVENTORY_SHARDS: "1" }, inventoryService, sku);
    expect(one).toEqual({ service: "inventory", index: 0, name: "inventory-0" });
  });

  it("serviceObject is the raw object, for runInDurableObject", async () => {
    const sku = uniqueSku("testing-object");
    const seen = await runInDurableObject(
      serviceObject(env, inventoryService, sku),
      (instance) => instance instanceof InventoryShard,
    );
    expect(seen).toBe(true);
  });
});
