import type { AdmissionOptions } from "../../../core/regulation";
import { Actor, type SupervisorLink } from "../actor";
import { entityPartition } from "../entity";
import { telemetryProvider } from "../telemetry";
import { resolveService, type ServiceConfig } from "./config";
import type { NameOf, ProtocolOf, SettingsOf } from "./define";
import type { AnyServiceDefinition } from "./registry";

/**
 * The actor of a declared service (`defineService`): the declaration, with the
 * environment's vars applied, gives it its name, admission limits, simulated service time,
 * its supervisor — the service's supervisor for a shard, its partition's for an entity
 * (`<name>/p<i>`, see `entityPartition`) — and, for an entity, its idle timeout. A service
 * author writes `definition`, the hooks and the commands; `settings` are the declaration's.
 */
export abstract class ServiceActor<E, D extends AnyServiceDefinition> extends Actor<
  E,
  ProtocolOf<D>
> {
  /** The service's declaration (required). */
  protected abstract readonly definition: D;
  /** The binding of the `Supervisor` namespace (optional, default `SUPERVISOR`). */
  protected readonly supervisorBinding: string = "SUPERVISOR";
  #config: ServiceConfig<NameOf<D>, D["binding"], SettingsOf<D>> | undefined;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    // The deployment's exporter (`provideTelemetry`), if it installed one.
    this.telemetry = telemetryProvider()?.(ctx, env, () => this.currentLoad()) ?? this.telemetry;
  }

  protected get service(): NameOf<D> {
    return this.definition.name as NameOf<D>;
  }

  /** The declaration resolved against this object's vars (validated once per object). */
  protected get config(): ServiceConfig<NameOf<D>, D["binding"], SettingsOf<D>> {
    this.#config ??= resolveService(this.definition, this.env as object) as ServiceConfig<
      NameOf<D>,
      D["binding"],
      SettingsOf<D>
    >;
    return this.#config;
  }

  /** The declaration's typed settings (`settings(vars)`). */
  protected get settings(): SettingsOf<D> {
    return this.config.settings;
  }

  protected override idleTimeoutMs(): number | null {
    const { placement } = this.config;
    return placement.kind === "entity" ? placement.idleTimeoutMs : null;
  }

  protected override retentionMs(): number | null {
    const { placement } = this.config;
    return placement.kind === "entity" ? placement.retentionMs : null;
  }

  protected override supervision(): SupervisorLink {
    const { placement } = this.config;
    const name =
      placement.kind === "entity"
        ? entityPartition(this.service, this.name, placement.partitions)
        : this.service;
    const ns = (this.env as Record<string, unknown>)[this.supervisorBinding];
    if (!ns || typeof (ns as DurableObjectNamespace).idFromName !== "function") {
      throw new Error(`${this.service}: no Supervisor binding "${this.supervisorBinding}"`);
    }
    const namespace = ns as DurableObjectNamespace;
    const supervisor = namespace.get(namespace.idFromName(name));
    return {
      supervisor: supervisor as unknown as SupervisorLink["supervisor"],
      childId: this.name,
    };
  }

  protected override admissionOptions(): AdmissionOptions | null {
    return this.config.admission;
  }

  protected override serviceTimeMs(): number {
    return this.config.serviceTimeMs;
  }
}
