import type { CallMeta, Protocol } from "./commands";
import type { Reply } from "./result";

/** The RPC surface every `Actor` exposes; stubs are typed against it. */
export interface ActorRpc {
  call(command: string, payload: unknown, meta?: CallMeta): Promise<Reply<unknown>>;
  cast(command: string, payload: unknown, meta?: CallMeta): Promise<void>;
}

/**
 * A typed handle on an actor's stub: `call` is checked against protocol `P`, so the edge
 * cannot send a command the actor does not have or a payload of the wrong shape.
 */
export class ActorRef<P extends Protocol> {
  readonly #stub: ActorRpc;

  constructor(stub: ActorRpc) {
    this.#stub = stub;
  }

  call<K extends keyof P & string>(
    command: K,
    payload: P[K]["payload"],
    meta: CallMeta = {},
  ): Promise<Reply<P[K]["value"]>> {
    return this.#stub.call(command, payload, meta) as Promise<Reply<P[K]["value"]>>;
  }

  cast<K extends keyof P & string>(
    command: K,
    payload: P[K]["payload"],
    meta: CallMeta = {},
  ): Promise<void> {
    return this.#stub.cast(command, payload, meta);
  }
}
