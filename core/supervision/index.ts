/**
 * The pure arithmetic of OTP supervision: restart strategies, restart types, child specs and
 * their defaults, automatic shutdown and the intensity/period window. Supervisors apply it;
 * nothing here touches storage or the runtime.
 */
export { affectedChildren } from "./affected-children";
export { shouldAutoShutdown } from "./auto-shutdown";
export {
  type ChildAddress,
  type ChildKind,
  type ChildSpecInput,
  checkChildSpecs,
  DEFAULT_CHILD_SPEC,
  defaultShutdown,
  type ResolvedChildSpec,
  resolveSpec,
  type Shutdown,
  type SpecCheck,
  type SpecError,
} from "./child-spec";
export type { AutoShutdown, RestartStrategy, SupervisorFlags } from "./flags";
export {
  AUTO_SHUTDOWNS,
  DEFAULT_FLAGS,
  describeValue,
  parseFlags,
  RESTART_STRATEGIES,
} from "./flags";
export type { RestartType } from "./restart-type";
export { crashReason, isNormalExit, RESTART_TYPES, shouldRestart } from "./restart-type";
export type { RestartRecord } from "./restart-window";
export { recordRestart } from "./restart-window";
