import {
  checkChildSpecs,
  describeValue,
  parseFlags,
  type ResolvedChildSpec,
  resolveSpec,
  type SupervisorFlags,
} from "../../../core/supervision";
import type { ResolvedSupervisorSpec, SupervisorError, SupervisorSpec } from "./spec";

/**
 * Validates a whole supervisor spec and applies every default (flags, child specs, options).
 * Answers the first error as a value naming the field (and the child), never a TypeError.
 */
export function resolveSupervisorSpec(
  input: SupervisorSpec,
): ResolvedSupervisorSpec | SupervisorError {
  let flags: SupervisorFlags;
  try {
    flags = parseFlags(input?.flags ?? {}, "flags.");
  } catch (error) {
    return {
      error: "invalid_flags",
      child: null,
      field: "flags",
      detail: (error as Error).message,
    };
  }
  const children = resolveChildren(input?.children, flags);
  if ("error" in children) return children;
  const dynamicChildren = input.dynamicChildren ?? [];
  if (
    !Array.isArray(dynamicChildren) ||
    (dynamicChildren.length > 0 && flags.strategy !== "simple_one_for_one")
  ) {
    return option(
      "dynamicChildren",
      "dynamicChildren is for simple_one_for_one supervisors, a list of { name }",
    );
  }
  const badName = dynamicChildren.find((args) => !isDynamicArgs(args));
  if (badName !== undefined)
    return option(
      "dynamicChildren",
      `each dynamic child is { name: non-empty string }, got ${describeValue(JSON.stringify(badName))}`,
    );
  const recoveryMs = input.recoveryMs ?? 0;
  const retryMs = input.retryMs ?? 0;
  for (const [field, value] of [
    ["recoveryMs", recoveryMs],
    ["retryMs", retryMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      return option(field, `${field} must be an integer >= 0, got ${describeValue(value)}`);
  }
  return { flags, children, dynamicChildren, parent: input.parent ?? null, recoveryMs, retryMs };
}

function resolveChildren(
  input: unknown,
  flags: SupervisorFlags,
): ResolvedChildSpec[] | SupervisorError {
  if (flags.strategy !== "simple_one_for_one") {
    const checked = checkChildSpecs(input, flags.autoShutdown);
    return "error" in checked ? checked : checked.specs;
  }
  if (!Array.isArray(input) || input.length !== 1) {
    const got = Array.isArray(input) ? input.length : describeValue(input);
    return option(
      "children",
      `simple_one_for_one takes exactly one child spec (the template), got ${got}`,
    );
  }
  const template = resolveSpec(input[0], flags.autoShutdown, true);
  return "error" in template ? template : [template.spec];
}

/** Whether `value` is `simple_one_for_one` start arguments, `{ name }`. */
export function isDynamicArgs(value: unknown): value is { name: string } {
  if (typeof value !== "object" || value === null) return false;
  const { name } = value as { name?: unknown };
  return typeof name === "string" && name !== "";
}

function option(field: string, detail: string): SupervisorError {
  return { error: "invalid_supervisor_spec", child: null, field, detail };
}
