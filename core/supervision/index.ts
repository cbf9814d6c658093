/**
 * The pure arithmetic of OTP supervision: restart strategies, restart types and the
 * intensity/period window. Actors apply it; nothing here touches storage or the runtime.
 */
export { affectedChildren } from "./affected-children";
export type { RestartStrategy, SupervisorFlags } from "./flags";
export { DEFAULT_FLAGS, parseFlags, RESTART_STRATEGIES } from "./flags";
export type { RestartType } from "./restart-type";
export { isNormalExit, shouldRestart } from "./restart-type";
export type { RestartRecord } from "./restart-window";
export { recordRestart } from "./restart-window";
