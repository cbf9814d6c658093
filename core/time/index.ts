/** Waiting with a limit: the one timeout race the runtime, the edge and visibility share. */
export { type Within, type WithinTimers, within } from "./within";
