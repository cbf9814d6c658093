import type { Failure, Result } from "./result";

/**
 * A protocol names an actor's commands with their payload and success value. The edge types
 * its calls with it (`ActorRef<P>`) and the actor's handler table is checked against it.
 */
export type Protocol = Record<string, { payload: unknown; value: unknown }>;

/** Everything a handler may use besides its payload. */
export interface CommandContext {
  /** Wall-clock time the message started, in epoch ms. */
  readonly now: number;
  /** Idempotency key of this message, if the caller sent one (already scoped). */
  readonly idempotencyKey: string | undefined;
}

/** A saga handler's context: its writes happen in atomic steps between awaits. */
export interface SagaContext extends CommandContext {
  /**
   * Runs `fn` as one storage transaction: its writes commit together or not at all. A
   * command that must await another object is a saga of such steps, never one transaction.
   */
  step<T>(fn: () => T): T;
}

/**
 * `read` — no writes; bypasses admission so reads are never starved by writes.
 * `write` — synchronous and atomic: the whole message is one transaction.
 * `saga` — asynchronous; each `cx.step` is atomic and progress between steps is durable.
 */
export type CommandSpec<P, V> =
  | { readonly kind: "read"; readonly run: (payload: P, cx: CommandContext) => Result<V> }
  | {
      readonly kind: "write";
      readonly run: (payload: P, cx: CommandContext) => Result<V>;
      readonly intake: boolean;
      readonly ifNeverWritten?: () => Failure;
    }
  | {
      readonly kind: "saga";
      readonly run: (payload: P, cx: SagaContext) => Promise<Result<V>>;
      readonly intake: boolean;
    };

/**
 * `intake` (default `false`): the command only records work to do later — it *is* the shed
 * path — so it skips admission control and `overload` faults, and it still runs while the
 * supervisor has stopped the actor. Everything else is regulated and refused when stopped.
 */
export interface WriteOptions {
  readonly intake?: boolean;
}

/**
 * `ifNeverWritten`: the answer of a write that only acts on state the object already has
 * (ending a session), when the object never committed a write (or was erased): then
 * nothing runs — no admission, no entity enrolment, no transaction — and the object keeps
 * no storage, as after a read. It must be what the handler would answer on empty state.
 */
export interface WriteCommandOptions extends WriteOptions {
  readonly ifNeverWritten?: () => Failure;
}

/** The handler table an actor implements for protocol `P`. */
export type Commands<P extends Protocol> = {
  readonly [K in keyof P]: CommandSpec<P[K]["payload"], P[K]["value"]>;
};

/** Declares a read-only command (never admission-regulated, never a transaction). */
export const read = <P, V>(run: (payload: P, cx: CommandContext) => Result<V>) =>
  ({ kind: "read", run }) as const;

/** Declares an atomic, state-changing command. */
export const write = <P, V>(
  run: (payload: P, cx: CommandContext) => Result<V>,
  options: WriteCommandOptions = {},
) =>
  ({
    kind: "write",
    run,
    intake: options.intake ?? false,
    ...(options.ifNeverWritten ? { ifNeverWritten: options.ifNeverWritten } : {}),
  }) as const;

/** Declares a state-changing command that awaits other objects between atomic steps. */
export const saga = <P, V>(
  run: (payload: P, cx: SagaContext) => Promise<Result<V>>,
  options: WriteOptions = {},
) => ({ kind: "saga", run, intake: options.intake ?? false }) as const;

/**
 * How a command may be delivered: a `read` changes nothing; an `idempotent` one has one
 * effect however often it arrives (an absolute write, or a keyed one the actor remembers);
 * `once` must not be sent twice. The caller decides by it what it retries, and whether a
 * failure after a broken attempt may have taken effect.
 */
export type CallDelivery = "read" | "idempotent" | "once";

/** What travels with every command besides its payload. */
export interface CallMeta {
  /** Milliseconds the caller will still wait; the actor drops the command once it is spent. */
  readonly budgetMs?: number;
  /** Idempotency key, already scoped by the caller (e.g. `sku/key`). */
  readonly idempotencyKey?: string;
  /** Fingerprint of the request the key was first used with (canonical JSON). */
  readonly fingerprint?: string;
  /**
   * Operators' reserved share: admin commands skip admission so a flood of client writes
   * can never lock operators out. Only the edge sets it, for authenticated admin requests.
   */
  readonly reserved?: boolean;
}
