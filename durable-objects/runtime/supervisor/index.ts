export type {
  ChildSpec,
  ChildStatus,
  ChildView,
  ObjectAddress,
  SupervisorSpec,
  SupervisorView,
} from "./spec";
export { MAX_INTENSITY, type SupervisionEvent, Supervisor } from "./supervisor";
