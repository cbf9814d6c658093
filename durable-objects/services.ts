import { PROBLEMS, problemTable } from "../core/http";
import { inventoryService } from "./inventory/service";
import { ordersService } from "./orders/service";
import { type FailureCodeOf, type NameOf, ServiceRegistry } from "./runtime/service";
import { sessionsService } from "./sessions/service";

/**
 * The registry: every service of this deployment, in supervision start order. Adding a
 * service is one line here (plus its declaration and its `wrangler.toml` binding); the
 * service list, configuration, supervision tree, router, fault schema, problem table and
 * types all derive from it.
 */
export const services = new ServiceRegistry([inventoryService, ordersService, sessionsService]);

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
