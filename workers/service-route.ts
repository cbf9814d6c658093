import type { Context, Handler, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { canonicalJson } from "../core/http";
import type { ServiceName, ServiceProtocols } from "../durable-objects";
import type { Reply } from "../durable-objects/runtime";
import type { AppEnv } from "./context";
import { adminAuth } from "./middleware/admin-auth";
import { spendClientToken } from "./middleware/client-rate-limit";
import { readJsonBody } from "./middleware/json-body";
import { type ValidationSpec, validInput } from "./middleware/validate";
import { answer } from "./reply";
import { type CommandKind, callService, type ServiceCall } from "./service-call";

type Params = Readonly<Record<string, z.ZodType<string>>>;

/** A route's validated input, typed by its declaration. */
export interface RouteInput<P extends Params, B> {
  readonly params: { readonly [K in keyof P]: string };
  readonly body: B;
  readonly idempotencyKey: string | undefined;
}

/** One HTTP route that sends one command to one service (see `serviceRoute`). */
export interface ServiceRouteSpec<
  N extends ServiceName,
  K extends keyof ServiceProtocols[N] & string,
  P extends Params,
  S extends z.ZodType | undefined,
> {
  readonly service: N;
  readonly command: K;
  /** Decides retries and the rate limit (`CommandKind`). */
  readonly kind: CommandKind;
  /** Admin route: bearer token first, the operators' reserved share, no client rate limit. */
  readonly admin?: boolean;
  readonly params?: P;
  /** JSON body schema: content type and 64 KiB limit, then validation (400). */
  readonly body?: S;
  /** Whether the route reads an `Idempotency-Key` (absent: the header is ignored). */
  readonly idempotencyKey?: "optional" | "required";
  /** First part of the scoped key `<scope>/<routing key>/<client key>`; default `command`. */
  readonly scope?: string;
  /** The routing key: which shard (or entity) gets the command. */
  readonly key: (input: RouteInput<P, BodyOf<S>>) => string;
  readonly payload: (
    input: RouteInput<P, BodyOf<S>>,
    c: Context<AppEnv>,
  ) => ServiceProtocols[N][K]["payload"];
  /**
   * Sends the command instead of `callService` (default), e.g. through a client that spreads
   * a hot key over sub-shards. It gets the call as built: routing key, command, kind,
   * payload and the scoped idempotency key with the body's fingerprint.
   */
  readonly send?: (
    c: Context<AppEnv>,
    call: ServiceCall<N, K>,
  ) => Promise<Reply<ServiceProtocols[N][K]["value"]>>;
  /** Status of a success (default 200); failures map to their problem's status. */
  readonly status?: ContentfulStatusCode;
  /** Answers the reply instead of `answer(c, reply, status)`. */
  readonly respond?: (
    c: Context<AppEnv>,
    reply: Reply<ServiceProtocols[N][K]["value"]>,
  ) => Response | Promise<Response>;
}

type BodyOf<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** The service each `serviceRoute` handler sends to (`resource` checks the route's path). */
const targets = new WeakMap<object, ServiceName>();

/** The service `handler` sends its command to, when it is a `serviceRoute`'s. */
export function serviceRouteTarget(handler: object): ServiceName | undefined {
  return targets.get(handler);
}

/** The idempotency the command carries: scoped client key and body fingerprint, if keyed. */
function idempotencyOf(scope: string, key: string, input: RouteInput<Params, unknown>) {
  if (input.idempotencyKey === undefined) return undefined;
  return {
    key: `${scope}/${key}/${input.idempotencyKey}`,
    fingerprint: canonicalJson(input.body ?? null),
  };
}

/**
 * A route as a declaration: the stages its spec calls for, in the contract's order
 * (admin auth → JSON body → validation → client rate limit for state-changing, non-admin
 * commands), then the command through `callService` (deadline, breaker, retries by kind,
 * fresh stub) and the answer. Use it as a method's handlers in `resource(app, path, …)`.
 * The stages after auth run as plain calls in one handler, not as a middleware chain each:
 * this is every write's path, and each layer of the chain costs a frame and a promise.
 */
export function serviceRoute<
  N extends ServiceName,
  K extends keyof ServiceProtocols[N] & string,
  P extends Params = Record<never, z.ZodType<string>>,
  S extends z.ZodType | undefined = undefined,
>(spec: ServiceRouteSpec<N, K, P, S>): (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[] {
  const validation: ValidationSpec<z.ZodType> = {
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey } : {}),
  };
  const rateLimited = spec.kind !== "read" && !spec.admin;
  const handler: Handler<AppEnv> = async function serviceRouteHandler(c) {
    const body = spec.body ? await readJsonBody(c) : undefined;
    const valid = validInput(c, validation, body) as RouteInput<P, BodyOf<S>>;
    if (rateLimited) {
      const waiting = spendClientToken(c); // a promise only when it waits for the limiter
      if (waiting) await waiting;
    }
    const key = spec.key(valid);
    const idempotency = idempotencyOf(spec.scope ?? spec.command, key, valid);
    const call: ServiceCall<N, K> = {
      service: spec.service,
      key,
      command: spec.command,
      kind: spec.kind,
      payload: spec.payload(valid, c),
      ...(idempotency ? { idempotency } : {}),
    };
    const reply = await (spec.send ?? callService)(c, call);
    return spec.respond ? spec.respond(c, reply) : answer(c, reply, spec.status);
  };
  targets.set(handler, spec.service);
  return spec.admin ? [adminAuth(), handler] : [handler];
}
