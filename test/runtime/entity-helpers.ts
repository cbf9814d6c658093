import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { ActorRef } from "../../durable-objects/runtime";
import type { EntityProtocol } from "../fixtures/example-entity";
import { supervisor, unique } from "./helpers";

/** Helpers of the entity tests: example entities under a `simple_one_for_one` supervisor. */

export const entityStub = (name: string) =>
  env.EXAMPLE_ENTITY.get(env.EXAMPLE_ENTITY.idFromName(name));
export const entity = (name: string) => new ActorRef<EntityProtocol>(entityStub(name));

/** A `simple_one_for_one` supervisor of example entities, and a key maker under it. */
export async function entitySupervisor(flags: { intensity?: number } = {}) {
  const sup = unique("entities");
  const configured = await supervisor(sup).configure({
    flags: { strategy: "simple_one_for_one", intensity: 5, periodMs: 10_000, ...flags },
    children: [{ id: "entity", address: { binding: "EXAMPLE_ENTITY", name: "" } }],
  });
  if ("error" in configured) throw new Error(JSON.stringify(configured));
  return { sup, key: (k: string) => `${sup}/${k}` };
}

/** A new entity `name` with idle timeout `ms`, activated by one `add`. */
export async function activate(name: string, ms: number) {
  await entityStub(name).setIdleTimeout(ms);
  expect(await entity(name).call("add", { by: 1 })).toMatchObject({ ok: true, value: 1 });
}

/** How many entities the supervisor lists as active. */
export const active = async (sup: string) => {
  const counts = await supervisor(sup).countChildren();
  if (!("ok" in counts)) throw new Error(JSON.stringify(counts));
  return counts.active;
};

/** The supervisor's rows as `<id>:<status>`. */
export const listed = async (sup: string) => {
  const page = await supervisor(sup).whichChildren({ limit: 1000 });
  if (!("ok" in page)) throw new Error(JSON.stringify(page));
  return page.children.map((c) => `${c.id}:${c.status}`);
};
