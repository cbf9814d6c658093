import { loadConfig } from "../config";
import { type SupervisionEvent, Supervisor, type SupervisorSpec } from "../runtime";
import { SupervisionObserver } from "../visibility/metrics/supervision-observer";
import { supervisionAlarms } from "./alarm-hook";
import { supervisionSpec } from "./tree";

export { ROOT, supervisionSpec } from "./tree";

/** The reference system's supervisor: the runtime's `Supervisor` over the configured tree. */
export class BulwarkSupervisor extends Supervisor<Cloudflare.Env> {
  readonly #metrics = new SupervisionObserver(this.ctx, this.env);

  /**
   * Restart and escalation counters and structured logs (README "Visibility → Metrics"),
   * and the alarms supervision raises and clears (`alarm-hook.ts`).
   */
  protected override async onEvent(event: SupervisionEvent): Promise<void> {
    this.#metrics.observe(event);
    await supervisionAlarms(this.env, event);
  }

  protected override specFor(name: string): SupervisorSpec | null {
    return supervisionSpec(loadConfig(this.env), name);
  }
}
