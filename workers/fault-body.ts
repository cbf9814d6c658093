import { faultSchema } from "../core/http";
import { SERVICES, type ServiceName } from "../durable-objects/services";

/** `POST /v1/ops/faults`'s body: its `service` is one of the registry's services. */
export const faultBody = faultSchema(SERVICES as readonly [ServiceName, ...ServiceName[]]);
