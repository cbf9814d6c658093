export { DELIVERY_GRACE_MS } from "./child-ports";
export type { StartOutcome, StartRequest, StopOutcome, StopRequest } from "./child-protocol";
export { MAX_INTENSITY, type SupervisionEvent } from "./events";
export type {
  ChildCounts,
  ChildEntry,
  ChildSpec,
  ChildStatus,
  ChildView,
  DynamicArgs,
  ObjectAddress,
  SupervisorError,
  SupervisorErrorReason,
  SupervisorSpec,
  SupervisorView,
} from "./spec";
export { Supervisor, type SupervisorResult } from "./supervisor";
export { PAGE_DEFAULT, PAGE_MAX, VIEW_CHILD_LIMIT } from "./views";
