import { fullJitter } from "../core/backoff";
import { CircuitBreaker } from "../core/breaker";
import { logEvent } from "../core/log";
import type { ShardAddress } from "../durable-objects";
import {
  type CallDelivery,
  type CallMeta,
  fail,
  type LoadReport,
  type Reply,
} from "../durable-objects/runtime";
import { countShed } from "./visibility/edge-metrics";

/** Retries of a `retryable` RPC error, for idempotent commands only. */
const MAX_RETRIES = 2;
const BACKOFF = { baseMs: 25, capMs: 400 };

/**
 * One breaker per shard, per edge isolate (like an outlier detector per upstream host).
 * Consecutive failures (crashes, broken RPC) open it; while open, calls to that shard fail
 * fast with `circuit-open` instead of piling onto a shard that is down.
 */
const breakers = new Map<string, CircuitBreaker>();

/**
 * Most breakers (and load reports) an isolate keeps. Shards are a few hundred at most, but a
 * per-entity service has one object per key: past this many, the oldest entry is dropped —
 * a dropped breaker starts again closed if its object is called again.
 */
export const MAX_TRACKED_OBJECTS = 10_000;

/**
 * The key an object's breaker and load report are kept under: `<service>/<object name>`.
 * An entity's object name is its raw key, which could spell another service's shard name
 * (a user called `inventory-0`): the service keeps them apart.
 */
export const objectKey = (address: Pick<ShardAddress, "service" | "name">): string =>
  `${address.service}/${address.name}`;

/**
 * Adds (or refreshes) `key` in `map` as its most recent entry, dropping the least recently
 * used past `MAX_TRACKED_OBJECTS`: a flood of new entity keys evicts other new keys, not the
 * shards that answer all the time.
 */
function remember<V>(map: Map<string, V>, key: string, value: V): V {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED_OBJECTS) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  return value;
}

/** The breaker of the object kept under `key` (see `objectKey`), created closed. */
export function breakerFor(key: string): CircuitBreaker {
  return remember(
    breakers,
    key,
    breakers.get(key) ??
      new CircuitBreaker({ failureThreshold: 5, resetTimeoutMs: 1000, maxResetTimeoutMs: 30_000 }),
  );
}

/** Snapshots of every breaker this isolate holds (serializable, for operations views). */
export const breakerStates = () =>
  Object.fromEntries([...breakers].map(([shard, breaker]) => [shard, breaker.toJSON()]));

/** Answers that mean the shard crashed serving the call (mid-saga or not). */
const CRASHES = new Set(["internal-error", "interrupted"]);

/** How long a shard's last load report counts as current. */
const PRESSURE_WINDOW_MS = 1000;

/** Each shard's latest load report, as it arrived with its answers (back pressure). */
const pressure = new Map<string, { readonly load: LoadReport; readonly at: number }>();

/**
 * Records a shard's load as reported with its answer. A shard counts as under pressure
 * while its last report (within a second) showed work waiting for admission or every slot
 * taken.
 * Callers that can defer work (respond-async orders) send it to the queue instead of adding
 * to the shard's wait.
 */
export function recordLoad(key: string, load: LoadReport, at = Date.now()): void {
  remember(pressure, key, { load, at });
}

/** See `recordLoad`: true while the shard's last report showed waiting or saturation. */
export function underPressure(key: string, now = Date.now()): boolean {
  const last = pressure.get(key);
  if (!last || now - last.at > PRESSURE_WINDOW_MS) return false;
  return last.load.queued > 0 || last.load.inFlight >= last.load.limit;
}

export interface GuardOptions {
  /**
   * How the command may be delivered, decided with the one rule, `deliveryOf(kind, keyed)`
   * (`service-call.ts`): RPC errors are retried unless it is `once`, and only a command
   * that is not a `read` can leave a broken attempt's effect unknown (`effectUnknown`).
   */
  readonly delivery: CallDelivery;
  /** Absolute deadline (epoch ms) of the client, if it sent one. */
  readonly deadline: number | undefined;
  readonly meta?: CallMeta;
}

interface RpcError {
  readonly retryable?: boolean;
  readonly overloaded?: boolean;
  readonly message?: string;
}

/** `reply`, marked `effectUnknown` when it is a failure whose effect nobody knows. */
function marked<T>(reply: Reply<T>, unsure: boolean): Reply<T> {
  return unsure && !reply.ok ? { ...reply, effectUnknown: true } : reply;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one command to a shard through its breaker. `send` builds a fresh stub each time,
 * so a retry never reuses a broken one. Only `retryable` RPC errors of idempotent commands
 * are retried (bounded, full-jitter backoff); `overloaded` never is: retrying into overload
 * is what collapses systems. Crashes and broken RPC count against the breaker; load
 * refusals do not (the shard is alive, just busy). A broken RPC may have reached the actor
 * and committed before its answer was lost: a failure answered after one (the retry's
 * refusal, or the last broken attempt) carries `effectUnknown`, so the route never tells
 * the client that nothing happened. A read's never does: it changed nothing.
 */
export async function guarded<T>(
  shard: ShardAddress,
  options: GuardOptions,
  send: (meta: CallMeta) => Promise<Reply<T>>,
): Promise<Reply<T>> {
  // A request already out of time must not take the half-open breaker's one probe.
  if (options.deadline !== undefined && options.deadline <= Date.now()) {
    countShed(shard.service, "deadline-exceeded");
    return fail("deadline-exceeded", "the request's deadline passed before work started");
  }
  const key = objectKey(shard);
  const breaker = breakerFor(key);
  const permit = breaker.tryAcquire();
  if (!permit.ok) {
    countShed(shard.service, "circuit-open");
    return fail(
      "circuit-open",
      `shard ${shard.name} is failing; calls are refused while its circuit is open`,
      {
        retryAfterMs: permit.retryAfterMs,
      },
    );
  }
  // An attempt's RPC broke and the command changes state: it may have taken effect.
  let unsure = false;
  for (let attempt = 0; ; attempt++) {
    const budgetMs = options.deadline === undefined ? undefined : options.deadline - Date.now();
    if (budgetMs !== undefined && budgetMs <= 0) {
      // Only reachable on a retry: the previous attempt failed, and the breaker hears it.
      breaker.onFailure(permit);
      countShed(shard.service, "deadline-exceeded");
      return marked(
        fail("deadline-exceeded", "the request's deadline passed before the shard answered"),
        unsure,
      );
    }
    try {
      const reply = await send({
        ...options.meta,
        ...(budgetMs === undefined ? {} : { budgetMs }),
      });
      if (reply.load) recordLoad(key, reply.load);
      if (!reply.ok && CRASHES.has(reply.code)) breaker.onFailure(permit);
      else breaker.onSuccess(permit);
      return marked(reply, unsure);
    } catch (error) {
      const rpc = error as RpcError;
      if (rpc.overloaded) {
        breaker.onSuccess(permit);
        countShed(shard.service, "overloaded"); // the platform refused it: no actor counted it
        return marked(
          fail("overloaded", `shard ${shard.name} is overloaded`, { retryAfterMs: 1000 }),
          unsure,
        );
      }
      unsure = options.delivery !== "read";
      if (rpc.retryable && options.delivery !== "once" && attempt < MAX_RETRIES) {
        await sleep(fullJitter(attempt, BACKOFF));
        continue;
      }
      breaker.onFailure(permit);
      logEvent("error", "shard-rpc-failed", {
        shard: shard.name,
        error: rpc.message ?? String(error),
      });
      const broken = `the call to shard ${shard.name} broke before it answered`;
      return marked(
        fail("internal-error", unsure ? `${broken} and may have taken effect` : broken),
        unsure,
      );
    }
  }
}
