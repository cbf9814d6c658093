/**
 * Declaring a service once, and everything derived from the declarations. This entry is
 * platform-free (no Durable Object types), so tools and docs that run in Node can read a
 * registry; the router, which makes stubs, is exported by the runtime's main index.
 */
export type { ServiceConfig } from "./config";
export { resolveService } from "./config";
export {
  type AdmissionDefaults,
  DEFAULT_ADMISSION,
  defineService,
  type FailureCodeOf,
  type FailureSpec,
  type NameOf,
  type ProtocolOf,
  type ServiceDeclaration,
  type ServiceDefinition,
  type SettingsOf,
} from "./define";
export {
  type EntityPlacement,
  type Placement,
  type ResolvedPlacement,
  resolvePlacement,
  type ShardedPlacement,
} from "./placement";
export {
  type AnyServiceDefinition,
  type DefinitionNamed,
  type ProtocolNamed,
  type ServiceConfigs,
  ServiceRegistry,
} from "./registry";
