import { loadConfig } from "../config";
import { Supervisor, type SupervisorSpec } from "../runtime";
import { supervisionSpec } from "./tree";

export { ROOT, supervisionSpec } from "./tree";

/** The reference system's supervisor: the runtime's `Supervisor` over the configured tree. */
export class BulwarkSupervisor extends Supervisor<Cloudflare.Env> {
  protected override specFor(name: string): SupervisorSpec | null {
    return supervisionSpec(loadConfig(this.env), name);
  }
}
