import { ShardMap } from "../core/sharding";
import { type BulwarkConfig, loadConfig, type ServiceName } from "./config";
import type { InventoryProtocol } from "./inventory/protocol";
import type { OrdersProtocol } from "./orders/protocol";
import type { ClientRateLimiter } from "./rate-limit/client-rate-limiter";
import { type Actor, ActorRef, type ActorRpc, type Protocol } from "./runtime";

/** Clients spread over this many limiter objects (a fixed count: changing it resets limits). */
const RATE_LIMIT_SHARDS = new ShardMap("ratelimit", 16);

/** The protocol each service speaks. */
export interface ServiceProtocols {
  inventory: InventoryProtocol;
  orders: OrdersProtocol;
}

/** The shard that owns a key: its service, index and object name. */
export interface ShardAddress {
  readonly service: ServiceName;
  readonly index: number;
  readonly name: string;
}

/**
 * The only place that turns keys into Durable Object stubs: key → shard by the service's
 * jump-hash `ShardMap`, shard → stub through the service's namespace (with its location hint).
 * Every call builds a fresh stub, so a stub broken by a reset is never reused.
 */
export class ShardRouter {
  readonly #env: Cloudflare.Env;
  readonly config: BulwarkConfig;

  constructor(env: Cloudflare.Env) {
    this.#env = env;
    this.config = loadConfig(env);
  }

  /** The shard owning `key` in `service`. */
  locate(service: ServiceName, key: string): ShardAddress {
    const { shards } = this.config.services[service];
    const index = shards.shardOf(key);
    return { service, index, name: shards.shardName(index) };
  }

  /** The shard with number `index`, or `null` if the service has no such shard. */
  shard(service: ServiceName, index: number): ShardAddress | null {
    const { shards } = this.config.services[service];
    if (!Number.isInteger(index) || index < 0 || index >= shards.shardCount) return null;
    return { service, index, name: shards.shardName(index) };
  }

  /** Every shard of `service`, in index order. */
  shards(service: ServiceName): ShardAddress[] {
    return this.config.services[service].shards
      .shardNames()
      .map((name, index) => ({ service, index, name }));
  }

  /** A raw stub on shard `address` (for `fetch`, faults and supervision calls). */
  stub(address: ShardAddress): DurableObjectStub {
    const { binding, locationHint } = this.config.services[address.service];
    const ns = this.#env[binding] as unknown as DurableObjectNamespace;
    const id = ns.idFromName(address.name);
    return locationHint ? ns.get(id, { locationHint }) : ns.get(id);
  }

  /** The shard's actor stub, for the runtime's operations RPC (faults, inspection). */
  actor(address: ShardAddress): DurableObjectStub<Actor> {
    return this.stub(address) as unknown as DurableObjectStub<Actor>;
  }

  /** A typed actor reference on shard `address`. */
  ref<S extends ServiceName>(
    address: ShardAddress & { service: S },
  ): ActorRef<ServiceProtocols[S]> {
    return new ActorRef<ServiceProtocols[S] & Protocol>(this.stub(address) as unknown as ActorRpc);
  }

  inventory(sku: string): ActorRef<InventoryProtocol> {
    return this.ref({ ...this.locate("inventory", sku), service: "inventory" });
  }

  orders(orderId: string): ActorRef<OrdersProtocol> {
    return this.ref({ ...this.locate("orders", orderId), service: "orders" });
  }

  /** The rate-limiter shard that counts `client`'s requests. */
  rateLimiter(client: string): DurableObjectStub<ClientRateLimiter> {
    const ns = this.#env.RATE_LIMITER;
    return ns.get(ns.idFromName(RATE_LIMIT_SHARDS.shardName(RATE_LIMIT_SHARDS.shardOf(client))));
  }
}
