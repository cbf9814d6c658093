/**
 * Helpers for a service's own workerd tests (`@cloudflare/vitest-pool-workers`): reach the
 * actor that owns a key exactly as the edge would, from the service's definition and the
 * test's `env`, without a registry or an HTTP round trip.
 */
import type { Actor } from "./actor";
import type { ActorRef } from "./actor-ref";
import { IDLE_TIMER, RETENTION_TIMER } from "./entity";
import type { NameOf, ProtocolOf } from "./service/define";
import { type AnyServiceDefinition, ServiceRegistry } from "./service/registry";
import { ServiceRouter, type ShardAddress } from "./service/router";
import { Timers } from "./timers";

function routerFor<D extends AnyServiceDefinition>(env: object, definition: D) {
  const registry = new ServiceRegistry([definition] as const);
  return new ServiceRouter<readonly [D]>(env, registry.resolve(env));
}

/** The shard that owns `key` in `definition`'s service, with `env`'s vars applied. */
export function serviceAddress<D extends AnyServiceDefinition>(
  env: object,
  definition: D,
  key: string,
): ShardAddress<NameOf<D>> {
  return routerFor(env, definition).locate(definition.name as NameOf<D>, key);
}

/** A typed reference on the actor that owns `key`: `call`s are checked against its protocol. */
export function serviceStub<D extends AnyServiceDefinition>(
  env: object,
  definition: D,
  key: string,
): ActorRef<ProtocolOf<D>> {
  return routerFor(env, definition).to(definition.name as NameOf<D>, key) as unknown as ActorRef<
    ProtocolOf<D>
  >;
}

/**
 * The raw Durable Object stub of the actor that owns `key`, for `runInDurableObject`,
 * `runDurableObjectAlarm` and the runtime's operations RPC (`inspect`, `injectFault`).
 */
export function serviceObject<D extends AnyServiceDefinition>(
  env: object,
  definition: D,
  key: string,
): DurableObjectStub<Actor> {
  const router = routerFor(env, definition);
  return router.actor(router.locate(definition.name as NameOf<D>, key));
}

/**
 * Brings an entity's idle timer due now, as time passing would (call it inside
 * `runInDurableObject` with the object's `state.storage`); `runDurableObjectAlarm` then fires
 * it. An entity that still remembers activity since moves it to its real deadline; one that
 * does not (evicted, e.g. after `abortAllDurableObjects`) passivates.
 */
export function idleTimerDueNow(storage: DurableObjectStorage): void {
  new Timers(storage).schedule(IDLE_TIMER, Date.now() - 1);
}

/**
 * Brings a passive entity's retention timer due now, as its `retentionMs` passing would (inside
 * `runInDurableObject`, like `idleTimerDueNow`); `runDurableObjectAlarm` then fires it, and the
 * entity's storage is erased unless something is still kept. An entity without the timer (not
 * passivated since) gets one: the same question is asked.
 */
export function retentionDueNow(storage: DurableObjectStorage): void {
  new Timers(storage).schedule(RETENTION_TIMER, Date.now() - 1);
}

/**
 * What an object keeps in storage: its tables (`sqlite_master`, SQLite's and the platform's
 * internal ones included), its key-value pairs and its alarm; all empty for an object that
 * never wrote or was erased. `databaseSize` is the SQLite file's size (one 4 KiB page when
 * empty). Call it inside `runInDurableObject`.
 */
export async function storedState(storage: DurableObjectStorage) {
  return {
    tables: storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master ORDER BY name")
      .toArray()
      .map((row) => row.name),
    keys: [...storage.kv.list()].map(([key]) => key),
    alarm: await storage.getAlarm(),
    databaseSize: storage.sql.databaseSize,
  };
}
