import type { AdmissionOptions } from "../core/regulation";
import { loadConfig } from "./config";
import { Actor, type Protocol, type SupervisorLink, telemetryProvider } from "./runtime";
import type { ServiceName } from "./services";

/**
 * A shard of one of the registry's services: supervised by that service's supervisor
 * (which knows it by its object name), with admission limits and service time from the
 * service's declaration and vars.
 */
export abstract class ServiceShard<P extends Protocol> extends Actor<Cloudflare.Env, P> {
  protected abstract override readonly service: ServiceName;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // The deployment's exporter, as every declared service's actor gets it (`provideTelemetry`
    // in durable-objects/index.ts): metrics and Analytics Engine unless VISIBILITY=off.
    this.telemetry = telemetryProvider()?.(ctx, env, () => this.currentLoad()) ?? this.telemetry;
  }

  protected override supervision(): SupervisorLink {
    const ns = this.env.SUPERVISOR;
    return { supervisor: ns.get(ns.idFromName(this.service)), childId: this.name };
  }

  protected override admissionOptions(): AdmissionOptions | null {
    return loadConfig(this.env).services[this.service].admission;
  }

  protected override serviceTimeMs(): number {
    return loadConfig(this.env).services[this.service].serviceTimeMs;
  }
}
