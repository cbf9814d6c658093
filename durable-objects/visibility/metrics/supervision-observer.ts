import { logEvent } from "../../../core/log";
import { isService } from "../../config";
import { objectName, type SupervisionEvent } from "../../runtime";
import { ROOT } from "../../supervision/tree";
import { FAMILIES } from "./catalog";
import { metricsConfig } from "./config";
import { MetricsReporter, monitorOf } from "./reporter";

/**
 * What the reference system's supervisors report about themselves: restarts and escalations
 * of each service supervisor (and of its entity partitions) as counters, and one structured log line per event — at the
 * root, a child going down or coming back is a service (`service-down`, `service-up`).
 */
export class SupervisionObserver {
  readonly #name: string;
  readonly #reporter: MetricsReporter | null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    this.#name = objectName(ctx);
    const config = metricsConfig(env);
    this.#reporter = config.enabled
      ? new MetricsReporter({ name: this.#name, monitor: monitorOf(env), flushMs: config.flushMs })
      : null;
  }

  observe(event: SupervisionEvent): void {
    logSupervision(event);
    // A per-entity service's partitions (`<service>/p<i>`) count under their service.
    const name = event.supervisor.split("/")[0] ?? "";
    if (!this.#reporter || !isService(name)) return;
    const service = { service: name };
    if (event.type === "restarted") this.#reporter.deltas.inc(FAMILIES.restarts.name, service);
    else if (event.type === "gave-up")
      this.#reporter.deltas.inc(FAMILIES.escalations.name, service);
    else return;
    this.#reporter.schedule();
  }
}

function logSupervision(event: SupervisionEvent): void {
  const atRoot = event.supervisor === ROOT;
  if (event.type === "restarted") logEvent("info", "actor-restarted", { ...event });
  else if (event.type === "gave-up") logEvent("warn", "supervisor-escalated", { ...event });
  else if (event.type === "child-down" && atRoot) {
    logEvent("error", "service-down", { service: event.child });
  } else if (event.type === "child-up" && atRoot) {
    logEvent("info", "service-up", { service: event.child });
  } else logEvent("info", event.type, { ...event });
}
