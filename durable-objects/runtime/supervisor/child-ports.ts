import type { ResolvedChildSpec } from "../../../core/supervision";
import { within } from "../../../core/time";
import type { ExitReport } from "../actor";
import {
  type ChildRpc,
  type StartOutcome,
  type StopOutcome,
  UNKNOWN_GENERATION,
} from "./child-protocol";
import type { ObjectAddress } from "./spec";

/**
 * How long past a child's `shutdown` budget the supervisor still waits for the stop to be
 * acknowledged: the child enforces the budget on its own hook, this only covers the round
 * trip. A child too busy to even take the request is waited for no longer than this.
 */
export const DELIVERY_GRACE_MS = 250;

/** What a supervisor calls on a parent supervisor. */
export interface ParentRpc {
  childExited(report: ExitReport): Promise<unknown>;
}

/**
 * The supervisor's side of the child protocol: starts and terminations as values, never
 * thrown (a missing binding or a broken stub is a failed start, a failed stop is logged).
 */
export class ChildPorts {
  readonly #env: unknown;
  readonly #owner: string;

  constructor(env: unknown, owner: string) {
    this.#env = env;
    this.#owner = owner;
  }

  /** Starts `spec`'s child as its `generation`-th start. */
  async start(spec: ResolvedChildSpec, generation: number): Promise<StartOutcome> {
    try {
      return await this.#stub<ChildRpc>(spec.address).start({ generation });
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Terminates `spec`'s child with `reason`: the child runs its stop hook within the spec's
   * `shutdown` budget; a child that does not answer within the budget plus
   * `DELIVERY_GRACE_MS` is given up on (`timeout`) — the request stays queued and stops it
   * when it gets through, unless a newer start superseded it (`generation`).
   */
  async stop(spec: ResolvedChildSpec, generation: number, reason: string): Promise<StopOutcome> {
    // A child taken over without a start has no known generation: no request of ours is stale.
    const known = generation === UNKNOWN_GENERATION ? undefined : generation;
    const request = { reason, generation: known, shutdown: spec.shutdown };
    const sent = (async () => this.#stub<ChildRpc>(spec.address).shutdown(request))().catch(
      (error: unknown): StopOutcome => {
        console.error(`supervisor ${this.#owner}: stopping ${spec.id} failed: ${String(error)}`);
        return "failed";
      },
    );
    if (spec.shutdown === "infinity") return sent;
    const budget = spec.shutdown === "brutal_kill" ? 0 : spec.shutdown;
    // `sent` never rejects: a failed call is `failed` above.
    const answer = await within(sent, budget + DELIVERY_GRACE_MS);
    return answer.ended === "value" ? answer.value : "timeout";
  }

  parent(address: ObjectAddress): ParentRpc {
    return this.#stub<ParentRpc>(address);
  }

  #stub<T>(address: ObjectAddress): T {
    const namespace = (this.#env as Record<string, unknown>)[address.binding];
    if (!namespace || typeof (namespace as DurableObjectNamespace).idFromName !== "function") {
      throw new Error(`no Durable Object binding "${address.binding}"`);
    }
    const ns = namespace as DurableObjectNamespace;
    return ns.get(ns.idFromName(address.name)) as unknown as T;
  }

  /** A stub for introspection calls (`tree()`) on a child supervisor. */
  supervisor<T>(address: ObjectAddress): T {
    return this.#stub<T>(address);
  }
}
