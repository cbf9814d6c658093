import { loadConfig } from "../config";
import { type SupervisionEvent, Supervisor, type SupervisorSpec } from "../runtime";
import { supervisionAlarms } from "./alarm-hook";
import { supervisionSpec } from "./tree";

export { ROOT, supervisionSpec } from "./tree";

/** The reference system's supervisor: the runtime's `Supervisor` over the configured tree. */
export class BulwarkSupervisor extends Supervisor<Cloudflare.Env> {
  protected override specFor(name: string): SupervisorSpec | null {
    return supervisionSpec(loadConfig(this.env), name);
  }

  /** Supervision events also raise and clear alarms (`alarm-hook.ts`). */
  protected override async onEvent(event: SupervisionEvent): Promise<void> {
    await super.onEvent(event);
    await supervisionAlarms(this.env, event);
  }
}
