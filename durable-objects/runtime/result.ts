/**
 * Expected outcomes cross the RPC boundary as values: errors thrown across DO RPC keep only
 * their message, so a caller could never branch on them reliably. Only bugs throw.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };

/** An expected failure: a stable kebab-case `code` and a plain-words `detail`. */
export type Failure = {
  readonly ok: false;
  readonly code: string;
  readonly detail: string;
  /** Set on load refusals (`overloaded`, `rate-limited`): when a retry may succeed. */
  readonly retryAfterMs?: number;
  /** Extra data a caller may need to answer (e.g. the rejected order's view). */
  readonly data?: unknown;
  /**
   * An answer that fixes nothing (default `false`): a keyed command does not store it, so
   * the same key runs afresh next time. For a refusal that asks the caller to act and
   * retry (e.g. a hot SKU's sub-shard short of allocation); the handler must have changed
   * nothing the retry could see twice.
   */
  readonly unrecorded?: boolean;
  /**
   * Set by the caller's side, never by an actor: an attempt of this call broke in transit
   * (an RPC error, not a refusal), so the command may have run although this answer says
   * otherwise — a retry's refusal, or the broken attempt itself. Whoever answers the client
   * must not say "nothing happened" (e.g. read the resource back, or ask for a retry with
   * the same idempotency key).
   */
  readonly effectUnknown?: boolean;
};

export type Result<T> = Ok<T> | Failure;

/** How loaded the answering actor was; callers use it to back off instead of hammering. */
export interface LoadReport {
  readonly inFlight: number;
  readonly queued: number;
  readonly limit: number;
}

/** What `Actor.call` answers: the command's result plus the actor's load at that moment. */
export type Reply<T> = Result<T> & { readonly load?: LoadReport };

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

export const fail = (
  code: string,
  detail: string,
  extra: Omit<Failure, "ok" | "code" | "detail"> = {},
): Failure => ({ ok: false, code, detail, ...extra });

/** Failure codes produced by the runtime itself (services add their own). */
export const RuntimeCodes = {
  internalError: "internal-error",
  overloaded: "overloaded",
  deadlineExceeded: "deadline-exceeded",
  serviceUnavailable: "service-unavailable",
  idempotencyKeyReused: "idempotency-key-reused",
  /**
   * A saga crashed after at least one of its steps committed: the actor crashed (and was
   * reported) like for `internal-error`, but part of the work is durable and resumes from
   * storage. Callers answer the resource's current view, never "nothing happened".
   */
  interrupted: "interrupted",
} as const;
