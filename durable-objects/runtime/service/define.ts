import type { Vars } from "../../../core/config";
import type { AdmissionOptions } from "../../../core/regulation";
import type { Protocol } from "../commands";
import type { Placement } from "./placement";

/** How a service's failure code answers over HTTP (RFC 9457 `status` and `title`). */
export interface FailureSpec {
  readonly status: number;
  readonly title: string;
}

/** Admission defaults a service declares; each is overridden by its `<NAME>_…` var. */
export type AdmissionDefaults = Pick<
  AdmissionOptions,
  "maxConcurrency" | "ratePerSecond" | "burst" | "maxSojournMs" | "maxQueue"
>;

/**
 * What a service author writes once (see the README's "Declaring a service" for every
 * field, its default and its var).
 */
export interface ServiceDeclaration<
  N extends string = string,
  B extends string = string,
  C extends string = string,
  S = unknown,
> {
  /** Kebab-case service name: object names, telemetry, supervision ids, var prefix. */
  readonly name: N;
  /** The Durable Object namespace binding of the service's class (`wrangler.toml`). */
  readonly binding: B;
  /** Where the service's state lives: fixed shards, or one object per entity. */
  readonly placement: Placement;
  /**
   * Optional, default `/v1/<name>`: the path under which the service's HTTP routes live
   * (whole segments: `/v1/skus` holds `/v1/skus/:sku`, not `/v1/skus-archive`). The edge
   * counts what it sheds on a route under it as the service's (`bulwark_shed_total{service}`),
   * hand-written routes included; a `serviceRoute` of the service outside it is refused when
   * the app is built.
   */
  readonly routePrefix?: string;
  /** Admission defaults for state-changing commands (each field optional, see README). */
  readonly admission?: Partial<AdmissionDefaults>;
  /** Every failure code the service's commands return, with its HTTP status and title. */
  readonly failures?: { readonly [K in C]: FailureSpec };
  /**
   * Failure codes the service's objects answer one another and never a client (a hot SKU's
   * sub-shard telling the edge's client to rebalance): the caller consumes them. One that
   * reaches a route anyway is a bug there, answered `500` and logged like any undeclared code.
   */
  readonly internalFailures?: readonly string[];
  /**
   * Service-specific settings read from vars, validated eagerly: throw an `Error` whose
   * message names the var and its limit (use `integer`/`onOff` of `core/config`).
   */
  readonly settings?: (vars: Vars) => S;
}

/** A declared service: the declaration plus the protocol its actor speaks (type only). */
export interface ServiceDefinition<
  P extends Protocol = Protocol,
  N extends string = string,
  B extends string = string,
  C extends string = string,
  S = unknown,
> extends ServiceDeclaration<N, B, C, S> {
  /** Prefix of the service's vars: the name in upper snake case (`user-sessions` → `USER_SESSIONS`). */
  readonly varPrefix: string;
  /** Failures, always present (empty when none were declared). */
  readonly failures: { readonly [K in C]: FailureSpec };
  /** Internal failures, always present (empty when none were declared). */
  readonly internalFailures: readonly string[];
  /** The route prefix, always present (`/v1/<name>` when none was declared). */
  readonly routePrefix: string;
  /** Phantom: carries the protocol type for `router.to`; never set at run time. */
  readonly protocol?: P;
}

/** Admission defaults when a declaration leaves a field out. */
export const DEFAULT_ADMISSION: AdmissionDefaults = {
  maxConcurrency: 64,
  ratePerSecond: 1000,
  burst: 200,
  maxSojournMs: 25,
  maxQueue: 256,
};

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const BINDING = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** One or more path segments, each non-empty, no trailing slash, no wildcard or query. */
const ROUTE_PREFIX = /^(\/[^/\s*?#]+)+$/;

/** The declared route prefix, or `/v1/<name>`; throws unless it is a path of whole segments. */
function routePrefixOf(name: string, declared: string | undefined): string {
  const prefix = declared ?? `/v1/${name}`;
  if (!ROUTE_PREFIX.test(prefix)) {
    throw new Error(
      `service ${name}: routePrefix must be a path of whole segments like "/v1/${name}" (no trailing slash, no wildcard), got "${prefix}"`,
    );
  }
  return prefix;
}

/**
 * Declares a service, typed by the protocol its actor speaks:
 * `defineService<InventoryProtocol>()({ name: "inventory", binding: "INVENTORY", … })`.
 * (Curried so the protocol is given and the rest — name, binding, failure codes, settings —
 * is inferred.) Throws if the name is not kebab-case, the binding not an identifier, the
 * route prefix not a path of whole segments, or a failure's status not a 4xx/5xx.
 */
export function defineService<P extends Protocol>() {
  return <
    const N extends string,
    const B extends string,
    const C extends string = never,
    S = undefined,
  >(
    declaration: ServiceDeclaration<N, B, C, S>,
  ): ServiceDefinition<P, N, B, C, S> => {
    const { name, binding } = declaration;
    if (!KEBAB.test(name)) throw new Error(`service name must be kebab-case, got "${name}"`);
    if (!BINDING.test(binding)) {
      throw new Error(`service ${name}: binding must be an identifier, got "${binding}"`);
    }
    const failures = (declaration.failures ?? {}) as { readonly [K in C]: FailureSpec };
    for (const [code, spec] of Object.entries<FailureSpec>(failures)) {
      if (!KEBAB.test(code))
        throw new Error(`service ${name}: failure code "${code}" must be kebab-case`);
      if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
        throw new Error(
          `service ${name}: failure ${code} status must be 400–599, got ${spec.status}`,
        );
      }
    }
    const internalFailures = declaration.internalFailures ?? [];
    for (const code of internalFailures) {
      if (!KEBAB.test(code) || Object.hasOwn(failures, code)) {
        throw new Error(
          `service ${name}: internal failure "${code}" must be kebab-case and not also a declared failure`,
        );
      }
    }
    return {
      ...declaration,
      failures,
      internalFailures,
      routePrefix: routePrefixOf(name, declaration.routePrefix),
      varPrefix: name.toUpperCase().replaceAll("-", "_"),
    };
  };
}

/** The name of a definition. */
export type NameOf<D> = D extends ServiceDefinition<Protocol, infer N> ? N : never;
/** The protocol a definition's actor speaks. */
export type ProtocolOf<D> = D extends ServiceDefinition<infer P> ? P : never;
/** The failure codes a definition declares. */
export type FailureCodeOf<D> =
  D extends ServiceDefinition<Protocol, string, string, infer C> ? C : never;
/** The typed settings a definition reads from vars. */
export type SettingsOf<D> =
  D extends ServiceDefinition<Protocol, string, string, string, infer S> ? S : never;
