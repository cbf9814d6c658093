import { type ResolvedChildSpec, resolveSpec } from "../../../core/supervision";
import { isDynamicArgs } from "./resolve";
import type { ResolvedSupervisorSpec, SupervisorError } from "./spec";
import type { SupervisorStore } from "./store";

/**
 * The checks of OTP's API that come before anything is started or written: a refusal here
 * leaves the supervisor exactly as it was.
 */

/**
 * What `startChild(input)` would start: a validated child spec (`one_for_one`, `one_for_all`,
 * `rest_for_one`) or an instance of the template (`simple_one_for_one`, input `{ name }`);
 * or the refusal: a spec error, `invalid_args`, `already_started` (a running child has the
 * id) or `already_present` (the spec is kept but the child does not run).
 */
export function childToStart(
  store: SupervisorStore,
  spec: ResolvedSupervisorSpec,
  input: unknown,
  instance: (name: string) => ResolvedChildSpec,
): ResolvedChildSpec | SupervisorError {
  let child: ResolvedChildSpec;
  if (spec.flags.strategy === "simple_one_for_one") {
    if (!isDynamicArgs(input)) {
      return { error: "invalid_args", detail: "a simple_one_for_one supervisor starts { name }" };
    }
    child = instance(input.name);
  } else {
    const checked = resolveSpec(input, spec.flags.autoShutdown);
    if ("error" in checked) return checked;
    child = checked.spec;
  }
  const existing = store.get(child.id);
  if (!existing) return child;
  const error = existing.status === "running" ? "already_started" : "already_present";
  return { error, child: child.id };
}

/**
 * Why `deleteChild(id)` / `restartChild(id)` must refuse, or `null`: they need a kept spec
 * whose child does not run (`running`, `restarting`, `not_found`), and make no sense for
 * `simple_one_for_one` instances (`simple_one_for_one`).
 */
export function refuseUnlessDown(
  store: SupervisorStore,
  spec: ResolvedSupervisorSpec,
  id: string,
): SupervisorError | null {
  if (spec.flags.strategy === "simple_one_for_one")
    return { error: "simple_one_for_one", child: id };
  const row = store.get(id);
  if (!row) return { error: "not_found", child: id };
  if (row.status !== "down") return { error: row.status, child: id };
  return null;
}
