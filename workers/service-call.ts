import type { Context } from "hono";
import type { ServiceName, ServiceProtocols } from "../durable-objects";
import type { CallDelivery, Reply } from "../durable-objects/runtime";
import type { AppEnv } from "./context";
import { clientDeadline } from "./reply";
import { guarded } from "./shard-call";

/**
 * What a command does to its actor's state — the one rule that decides whether the edge may
 * send it twice (retry a `retryable` RPC error, fresh stub, full-jitter backoff):
 *
 * | kind       | meaning                                                     | retried                      |
 * | ---------- | ----------------------------------------------------------- | ---------------------------- |
 * | `read`     | changes nothing (`getSku`)                                  | always                       |
 * | `absolute` | sets a state, the same however often it runs (`putSku`,     | always                       |
 * |            | `confirmHold`, `releaseHold`)                               |                              |
 * | `effect`   | does something new each time it runs (`placeHold`)          | only with an Idempotency-Key |
 *
 * A keyed `effect` is safe to resend because the actor records the key's first result and
 * answers it again (exactly-once effect). `overloaded` is never retried, whatever the kind.
 * Everything but `read` is state-changing: it passes the per-client rate limit (admin
 * routes excepted — operators' writes skip it and admission alike).
 */
export type CommandKind = "read" | "absolute" | "effect";

/** The rule above: may a command of `kind`, keyed or not, be sent twice? */
export const isIdempotent = (kind: CommandKind, keyed: boolean): boolean =>
  kind !== "effect" || keyed;

/** How a command of `kind`, keyed or not, may be delivered (the rule above, and reads apart). */
export const deliveryOf = (kind: CommandKind, keyed: boolean): CallDelivery =>
  kind === "read" ? "read" : isIdempotent(kind, keyed) ? "idempotent" : "once";

export { clientOf } from "./client";

/** One command for the actor that owns `key` in `service`. */
export interface ServiceCall<N extends ServiceName, K extends keyof ServiceProtocols[N] & string> {
  readonly service: N;
  /** The routing key: the shard (or entity) that owns it gets the command. */
  readonly key: string;
  readonly command: K;
  readonly kind: CommandKind;
  readonly payload: ServiceProtocols[N][K]["payload"];
  /** The scoped idempotency key (`<scope>/<key>/<client key>`) and the body's fingerprint. */
  readonly idempotency?: { readonly key: string; readonly fingerprint?: string };
}

/**
 * Sends one command through the edge's policies: the client's deadline, the shard's circuit
 * breaker, retries by `CommandKind`, the operators' reserved share for admin requests, and a
 * fresh stub per attempt. Answers the actor's reply (or the edge's own refusal) as a value.
 */
export function callService<N extends ServiceName, K extends keyof ServiceProtocols[N] & string>(
  c: Context<AppEnv>,
  call: ServiceCall<N, K>,
): Promise<Reply<ServiceProtocols[N][K]["value"]>> {
  const router = c.get("router");
  const keyed = call.idempotency !== undefined;
  const idempotency = call.idempotency
    ? {
        idempotencyKey: call.idempotency.key,
        ...(call.idempotency.fingerprint === undefined
          ? {}
          : { fingerprint: call.idempotency.fingerprint }),
      }
    : {};
  const meta = { ...(c.get("admin") ? { reserved: true } : {}), ...idempotency };
  const options = {
    delivery: deliveryOf(call.kind, keyed),
    deadline: clientDeadline(c),
    meta,
  };
  return guarded(router.locate(call.service, call.key), options, (m) =>
    router.to(call.service, call.key).call(call.command, call.payload, m),
  );
}
