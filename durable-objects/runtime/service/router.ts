import { hashKey, jumpHash } from "../../../core/sharding";
import type { Actor } from "../actor";
import { ActorRef, type ActorRpc } from "../actor-ref";
import type { Protocol } from "../commands";
import type { ServiceConfig } from "./config";
import type { NameOf } from "./define";
import type { AnyServiceDefinition, ProtocolNamed, ServiceConfigs } from "./registry";

/** The object that owns a key: its service, shard index and object name. */
export interface ShardAddress<N extends string = string> {
  readonly service: N;
  readonly index: number;
  readonly name: string;
}

/** Most ids kept per namespace; when full, the memo starts over. */
const MAX_IDS_PER_NAMESPACE = 4096;
const idsByNamespace = new WeakMap<object, Map<string, DurableObjectId>>();

/**
 * `ns.idFromName(name)`, remembered per namespace: deriving an id hashes the name in the
 * runtime on every call, and every command addresses one of a few hot objects. An id is a
 * plain value (no I/O, no request attached), so it outlives the request; stubs are not kept —
 * each call still gets a fresh one.
 */
function idFromName(ns: DurableObjectNamespace, name: string): DurableObjectId {
  let ids = idsByNamespace.get(ns);
  if (ids === undefined) {
    ids = new Map();
    idsByNamespace.set(ns, ids);
  }
  let id = ids.get(name);
  if (id === undefined) {
    id = ns.idFromName(name);
    if (ids.size >= MAX_IDS_PER_NAMESPACE) ids.clear();
    ids.set(name, id);
  }
  return id;
}

/**
 * The only place that turns keys into Durable Object stubs: key → shard by the service's
 * jump-hash `ShardMap` (a `sharded` service) or key → the object named by the key (an
 * `entity` service), then → stub through the service's namespace binding (with its location
 * hint). Every call builds a fresh stub, so a stub broken by a reset is never reused.
 */
export class ServiceRouter<Ds extends readonly AnyServiceDefinition[]> {
  readonly #env: object;
  readonly #services: ServiceConfigs<Ds>;

  constructor(env: object, services: ServiceConfigs<Ds>) {
    this.#env = env;
    this.#services = services;
  }

  #config(service: NameOf<Ds[number]>): ServiceConfig {
    return (this.#services as Record<string, ServiceConfig>)[service] as ServiceConfig;
  }

  #shardMap(service: NameOf<Ds[number]>) {
    const { shards } = this.#config(service);
    if (!shards) throw new Error(`service ${service} is not sharded: it has no shard map`);
    return shards;
  }

  /**
   * The object owning `key` in `service`: its shard, or — per-entity placement — the object
   * named by the key (`index` is then its partition: which supervisor lists it).
   */
  locate<N extends NameOf<Ds[number]>>(service: N, key: string): ShardAddress<N> {
    const { placement } = this.#config(service);
    if (placement.kind === "entity") {
      return { service, index: jumpHash(hashKey(key), placement.partitions), name: key };
    }
    const shards = this.#shardMap(service);
    const index = shards.shardOf(key);
    return { service, index, name: shards.shardName(index) };
  }

  /** The shard with number `index`, or `null` if the service has no such shard. */
  shard<N extends NameOf<Ds[number]>>(service: N, index: number): ShardAddress<N> | null {
    const { shards } = this.#config(service);
    if (!shards || !Number.isInteger(index) || index < 0 || index >= shards.shardCount) return null;
    return { service, index, name: shards.shardName(index) };
  }

  /** Every shard of `service`, in index order (none for a per-entity service). */
  shards<N extends NameOf<Ds[number]>>(service: N): ShardAddress<N>[] {
    const { shards } = this.#config(service);
    return (shards?.shardNames() ?? []).map((name, index) => ({ service, index, name }));
  }

  /** A raw stub on shard `address` (for `fetch`, faults and supervision calls). */
  stub(address: ShardAddress<NameOf<Ds[number]>>): DurableObjectStub {
    const { binding, locationHint } = this.#config(address.service);
    const ns = (this.#env as Record<string, unknown>)[binding] as DurableObjectNamespace;
    const id = idFromName(ns, address.name);
    return locationHint
      ? ns.get(id, { locationHint: locationHint as DurableObjectLocationHint })
      : ns.get(id);
  }

  /** The shard's actor stub, for the runtime's operations RPC (faults, inspection). */
  actor(address: ShardAddress<NameOf<Ds[number]>>): DurableObjectStub<Actor> {
    return this.stub(address) as unknown as DurableObjectStub<Actor>;
  }

  /** A typed actor reference on shard `address`, checked against its service's protocol. */
  ref<N extends NameOf<Ds[number]>>(address: ShardAddress<N>): ActorRef<ProtocolNamed<Ds, N>> {
    return new ActorRef<ProtocolNamed<Ds, N> & Protocol>(this.stub(address) as unknown as ActorRpc);
  }

  /** `ref(locate(service, key))`: a typed reference on the actor that owns `key`. */
  to<N extends NameOf<Ds[number]>>(service: N, key: string): ActorRef<ProtocolNamed<Ds, N>> {
    return this.ref(this.locate(service, key));
  }
}
