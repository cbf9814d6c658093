import { env } from "cloudflare:workers";
import { ActorRef, type SupervisorSpec } from "../../durable-objects/runtime";
import type { CounterProtocol } from "../fixtures/example-counter";

/** A fresh stub on the example actor `name` (stubs break when objects are reset). */
export const counterStub = (name: string) =>
  env.EXAMPLE_COUNTER.get(env.EXAMPLE_COUNTER.idFromName(name));

export const counter = (name: string) => new ActorRef<CounterProtocol>(counterStub(name));

export const supervisor = (name: string) => env.SUPERVISOR.get(env.SUPERVISOR.idFromName(name));

/** Unique names per test, so tests in one file never share objects. */
let seq = 0;
export const unique = (prefix: string) => `${prefix}${++seq}-${Date.now().toString(36)}`;

/** Configures supervisor `name` over example actors `name/<id>` for each id. */
export async function supervise(
  name: string,
  ids: string[],
  flags: SupervisorSpec["flags"],
  extra: Partial<SupervisorSpec> = {},
  restart: "permanent" | "transient" | "temporary" = "permanent",
) {
  const sup = supervisor(name);
  await sup.configure({
    flags,
    children: ids.map((id) => ({
      id,
      restart,
      address: { binding: "EXAMPLE_COUNTER", name: `${name}/${id}` },
    })),
    ...extra,
  });
  for (const id of ids) await counter(`${name}/${id}`).call("get", null);
  return sup;
}

/** Each child's incarnation: it changes exactly when the child was restarted. */
export async function incarnations(name: string, ids: string[]) {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (await counterStub(`${name}/${id}`).inspect()).incarnation;
  return out;
}

/**
 * Polls `probe` until `ok` holds and answers that value; throws once `ms` passed without it,
 * naming the last value seen, so a test never goes on with a value that did not pass.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 5000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > until) {
      throw new Error(`condition not met within ${ms} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
