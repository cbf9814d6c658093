import type { ChildSpec, SupervisorSpec } from "../../durable-objects/runtime";
import { counter, counterStub, supervisor, unique } from "./helpers";

export { counter, counterStub, supervisor, unique };

/** The child spec of example counter `<sup>/<child>`: its id is its object name. */
export function child(sup: string, name: string, extra: Partial<ChildSpec> = {}): ChildSpec {
  const id = `${sup}/${name}`;
  return { id, address: { binding: "EXAMPLE_COUNTER", name: id }, ...extra };
}

/** Configures supervisor `sup` over example counters named `children`; fails the test on error. */
export async function supervise(
  sup: string,
  flags: SupervisorSpec["flags"],
  children: readonly (string | ChildSpec)[],
  extra: Partial<SupervisorSpec> = {},
) {
  const stub = supervisor(sup);
  const specs = children.map((c) => (typeof c === "string" ? child(sup, c) : c));
  const result = await stub.configure({ flags, children: specs, ...extra });
  if ("error" in result) throw new Error(`configure ${sup}: ${JSON.stringify(result)}`);
  return stub;
}

/** The journal of supervisor `sup`'s counters: `start:<child>`, `stop:<child>:<reason>`, … */
export async function journal(sup: string): Promise<string[]> {
  return counterStub(`journal:${sup}`).entries();
}

/** Journal entries written while `action` ran. */
export async function journaled(sup: string, action: () => Promise<unknown>): Promise<string[]> {
  const before = (await journal(sup)).length;
  await action();
  return (await journal(sup)).slice(before);
}

/** Crashes counter `<sup>/<name>` with a command that throws. */
export const crash = (sup: string, name: string) =>
  counter(`${sup}/${name}`).call("add", { by: 1, crash: true });

/** Whether counter `<sup>/<name>` refuses commands because its supervisor stopped it. */
export async function isStopped(sup: string, name: string): Promise<boolean> {
  const reply = await counter(`${sup}/${name}`).call("add", { by: 1 });
  return !reply.ok && reply.code === "service-unavailable";
}

/** Each child's status in the supervisor's view, by short name. */
export async function statuses(sup: string): Promise<Record<string, string>> {
  const view = await supervisor(sup).view();
  return Object.fromEntries(view.children.map((c) => [c.id.split("/")[1] ?? c.id, c.status]));
}

/** A parent supervisor over child supervisor `child` (binding SUPERVISOR, name `child`). */
export function supervisorChild(childName: string, extra: Partial<ChildSpec> = {}): ChildSpec {
  return {
    id: childName,
    kind: "supervisor",
    address: { binding: "SUPERVISOR", name: childName },
    ...extra,
  };
}
