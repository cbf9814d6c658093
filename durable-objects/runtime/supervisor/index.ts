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
export {
  PAGE_DEFAULT,
  PAGE_MAX,
  Supervisor,
  type SupervisorResult,
  VIEW_CHILD_LIMIT,
} from "./supervisor";
