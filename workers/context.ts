import type { ShardRouter } from "../durable-objects";

/** When the client stops waiting: an absolute time, or an invalid header to report later. */
export type Deadline =
  | { readonly kind: "none" }
  | { readonly kind: "at"; readonly at: number }
  | { readonly kind: "invalid"; readonly raw: string };

/** Per-request values the middleware chain hands to the routes. */
export interface AppVariables {
  requestId: string;
  deadline: Deadline;
  router: ShardRouter;
  /** The parsed JSON body (set by `jsonBody`). */
  body: unknown;
  /** Whether the request carried a valid admin token (set by `adminAuth`). */
  admin: boolean;
  /** Validated params, body and headers (set by `validate`; read with `input`). */
  input: ValidInput;
}

/** The edge app's typing, as Hono wants it. */
export interface AppEnv {
  Bindings: Cloudflare.Env;
  Variables: AppVariables;
}

/** What `validate` leaves for the handler. */
export interface ValidInput {
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly idempotencyKey: string | undefined;
}
