import type { Protocol } from "../commands";
import { resolveService, type ServiceConfig } from "./config";
import type { FailureSpec, NameOf, ServiceDefinition, SettingsOf } from "./define";

/** Any service definition, whatever its protocol, name, binding, codes and settings. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds definitions of any protocol and settings
export type AnyServiceDefinition = ServiceDefinition<any, string, string, string, any>;

/** The definition named `N` in a list of definitions. */
export type DefinitionNamed<Ds extends readonly AnyServiceDefinition[], N extends string> = Extract<
  Ds[number],
  { readonly name: N }
>;

/** Every service's configuration, by name, typed by its definition. */
export type ServiceConfigs<Ds extends readonly AnyServiceDefinition[]> = {
  readonly [D in Ds[number] as NameOf<D>]: ServiceConfig<NameOf<D>, D["binding"], SettingsOf<D>>;
};

/**
 * The services of one deployment, from their definitions: names, lookup, configuration,
 * their declared failures and which service a route belongs to. Throws on two services with
 * one name, one binding or one route prefix, and on a service named with one of `reserved`:
 * names the deployment itself uses where a service's name goes (each with what it is).
 */
export class ServiceRegistry<const Ds extends readonly AnyServiceDefinition[]> {
  readonly definitions: Ds;
  /** Service names in declaration order (the supervision tree's start order). */
  readonly names: readonly NameOf<Ds[number]>[];

  constructor(definitions: Ds, reserved: Readonly<Record<string, string>> = {}) {
    for (const d of definitions) {
      if (Object.hasOwn(reserved, d.name)) {
        throw new Error(`the service name "${d.name}" is reserved: it is ${reserved[d.name]}`);
      }
    }
    this.definitions = definitions;
    this.names = definitions.map((d) => d.name as NameOf<Ds[number]>);
    for (const key of ["name", "binding", "routePrefix"] as const) {
      const seen = new Set<string>();
      for (const d of definitions) {
        if (seen.has(d[key])) throw new Error(`two services declare the ${key} "${d[key]}"`);
        seen.add(d[key]);
      }
    }
  }

  /** Whether `name` is one of the registry's services. */
  has(name: string): name is NameOf<Ds[number]> {
    return (this.names as readonly string[]).includes(name);
  }

  /** The definition of service `name`. */
  get<N extends NameOf<Ds[number]>>(name: N): DefinitionNamed<Ds, N> {
    const definition = this.definitions.find((d) => d.name === name);
    if (!definition) throw new Error(`unknown service "${name}"`);
    return definition as DefinitionNamed<Ds, N>;
  }

  /** Every service's configuration from `env` (vars and bindings), validated eagerly. */
  resolve(env: object): ServiceConfigs<Ds> {
    return Object.fromEntries(
      this.definitions.map((d) => [d.name, resolveService(d, env)]),
    ) as unknown as ServiceConfigs<Ds>;
  }

  /**
   * The service whose `routePrefix` holds the route pattern `route` (equal to it, or it
   * followed by `/`), the longest prefix if two do; `undefined` for a route of no service.
   */
  serviceOfRoute(route: string): NameOf<Ds[number]> | undefined {
    let owner: AnyServiceDefinition | undefined;
    for (const d of this.definitions) {
      const { routePrefix: prefix } = d;
      const holds = route === prefix || route.startsWith(`${prefix}/`);
      if (holds && prefix.length > (owner?.routePrefix.length ?? -1)) owner = d;
    }
    return owner?.name as NameOf<Ds[number]> | undefined;
  }

  /** Each service's declared failures, labelled with the service (for the problem table). */
  failureSources(): { readonly source: string; readonly failures: Record<string, FailureSpec> }[] {
    return this.definitions.map((d) => ({ source: `service ${d.name}`, failures: d.failures }));
  }
}

/** The protocol of service `N` in a list of definitions. */
export type ProtocolNamed<Ds extends readonly AnyServiceDefinition[], N extends string> =
  DefinitionNamed<Ds, N> extends ServiceDefinition<infer P>
    ? P extends Protocol
      ? P
      : never
    : never;
