import { PROBLEMS, problemTable } from "../core/http";
import { inventoryService } from "./inventory/service";
import { ordersService } from "./orders/service";
import { type FailureCodeOf, type NameOf, ServiceRegistry } from "./runtime/service";
import { sessionsService } from "./sessions/service";

/** The root supervisor's name; it supervises one supervisor per service. */
export const ROOT_SUPERVISOR = "root";

/** The edge's name in metrics: its reporter's source, and the label of what no service owns. */
export const EDGE = "edge";

/** Names no service may take, each with what it already is. */
export function reservedServiceNames(): Readonly<Record<string, string>> {
  return {
    [ROOT_SUPERVISOR]: "the root supervisor's name (a service's supervisor is named after it)",
    [EDGE]: "what metrics name the edge by (its source, and the service of what no service owns)",
  };
}

/**
 * The registry: every service of this deployment, in supervision start order. Adding a
 * service is one line here (plus its declaration and its `wrangler.toml` binding); the
 * service list, configuration, supervision tree, router, fault schema, problem table and
 * types all derive from it.
 */
export const services = new ServiceRegistry(
  [inventoryService, ordersService, sessionsService],
  reservedServiceNames(),
);

/** The registry's definitions, as a type (for typed routing). */
export type ServiceDefinitions = typeof services.definitions;

/** A service's name. */
export type ServiceName = NameOf<ServiceDefinitions[number]>;

/** Every service's name, in start order. */
export const SERVICES: readonly ServiceName[] = services.names;

export const isService = (name: string): name is ServiceName => services.has(name);

/** Every code the HTTP contract can answer: the core codes and each service's failures. */
export const PROBLEM_TABLE = problemTable(PROBLEMS, services.failureSources());

/** A code the edge may answer: a core code or one a service declares. */
export type AnswerCode = keyof typeof PROBLEMS | FailureCodeOf<ServiceDefinitions[number]>;
