import { ShardMap } from "../core/sharding";
import { type BulwarkConfig, loadConfig } from "./config";
import type { InventoryProtocol } from "./inventory/protocol";
import type { OrdersProtocol } from "./orders/protocol";
import type { ClientRateLimiter } from "./rate-limit/client-rate-limiter";
import {
  type ActorRef,
  type ProtocolNamed,
  type ShardAddress as RuntimeShardAddress,
  ServiceRouter,
} from "./runtime";
import type { ServiceDefinitions, ServiceName } from "./services";

/** Clients spread over this many limiter objects (a fixed count: changing it resets limits). */
const RATE_LIMIT_SHARDS = new ShardMap("ratelimit", 16);

/** The protocol each service speaks, by name (derived from the registry). */
export type ServiceProtocols = { [N in ServiceName]: ProtocolNamed<ServiceDefinitions, N> };

/** The shard that owns a key: its service, index and object name. */
export type ShardAddress = RuntimeShardAddress<ServiceName>;

/**
 * The reference system's router: the runtime's `ServiceRouter` over the registry's services
 * (`to(service, key)`, `locate`, `shards`, …), plus the client rate limiter's shards.
 */
export class ShardRouter extends ServiceRouter<ServiceDefinitions> {
  readonly #env: Cloudflare.Env;
  readonly config: BulwarkConfig;

  constructor(env: Cloudflare.Env) {
    const config = loadConfig(env);
    super(env, config.services);
    this.#env = env;
    this.config = config;
  }

  /** Same as `to("inventory", sku)`. */
  inventory(sku: string): ActorRef<InventoryProtocol> {
    return this.to("inventory", sku);
  }

  /** Same as `to("orders", orderId)`. */
  orders(orderId: string): ActorRef<OrdersProtocol> {
    return this.to("orders", orderId);
  }

  /** The rate-limiter shard that counts `client`'s requests. */
  rateLimiter(client: string): DurableObjectStub<ClientRateLimiter> {
    const ns = this.#env.RATE_LIMITER;
    return ns.get(ns.idFromName(RATE_LIMIT_SHARDS.shardName(RATE_LIMIT_SHARDS.shardOf(client))));
  }
}
