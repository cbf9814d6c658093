import { type AutoShutdown, describeValue } from "./flags";
import { RESTART_TYPES, type RestartType } from "./restart-type";

/** Where a child lives: a Durable Object binding and the `idFromName` name in it. */
export interface ChildAddress {
  readonly binding: string;
  readonly name: string;
}

/** `actor` (OTP's `worker`) or `supervisor`. */
export type ChildKind = "actor" | "supervisor";

/** How a child is terminated: a budget in ms for its stop hook, `infinity`, or `brutal_kill`. */
export type Shutdown = number | "infinity" | "brutal_kill";

/** A child spec as written by a user; `resolveSpec` validates it and fills the defaults. */
export interface ChildSpecInput {
  readonly id: string;
  readonly address: ChildAddress;
  readonly restart?: RestartType;
  readonly kind?: ChildKind;
  readonly shutdown?: Shutdown;
  readonly significant?: boolean;
}

/** A validated child spec with every field present (what `getChildSpec` answers). */
export interface ResolvedChildSpec {
  readonly id: string;
  readonly address: ChildAddress;
  readonly restart: RestartType;
  readonly kind: ChildKind;
  readonly shutdown: Shutdown;
  readonly significant: boolean;
}

/** A refused spec: which child (null when the id itself is missing), which field, and why. */
export interface SpecError {
  readonly error: "invalid_child_spec" | "duplicate_child_id";
  readonly child: string | null;
  readonly field: string;
  readonly detail: string;
}

/** OTP's `?default_child_spec`: `permanent`, `actor`, not significant. */
export const DEFAULT_CHILD_SPEC = {
  restart: "permanent",
  kind: "actor",
  significant: false,
} as const;

/** OTP's default `shutdown`: 5000 ms for actors, `infinity` for supervisors. */
export const defaultShutdown = (kind: ChildKind): Shutdown =>
  kind === "actor" ? 5000 : "infinity";

export type SpecCheck = { readonly ok: true; readonly spec: ResolvedChildSpec } | SpecError;

/**
 * Validates one child spec and applies every default in one place. `template` specs (the one
 * spec of a `simple_one_for_one` supervisor) need no `address.name`: each instance brings it.
 * With `autoShutdown` `never`, `significant: true` is refused, as OTP refuses it.
 */
export function resolveSpec(
  input: unknown,
  autoShutdown: AutoShutdown | undefined,
  template = false,
): SpecCheck {
  if (typeof input !== "object" || input === null) {
    return specError(null, "spec", `a child spec must be an object, got ${describeValue(input)}`);
  }
  const raw = input as Record<string, unknown>;
  if (typeof raw.id !== "string" || raw.id === "") {
    return specError(
      null,
      "id",
      `id is required, a non-empty string, got ${describeValue(raw.id)}`,
    );
  }
  const id = raw.id;
  const address = checkAddress(id, raw.address, template);
  if ("error" in address) return address;
  const restart = raw.restart ?? DEFAULT_CHILD_SPEC.restart;
  if (!RESTART_TYPES.some((t) => t === restart)) {
    return specError(
      id,
      "restart",
      `restart must be one of ${RESTART_TYPES.join(", ")}, got ${describeValue(restart)}`,
    );
  }
  const kind: unknown = raw.kind ?? DEFAULT_CHILD_SPEC.kind;
  if (kind !== "actor" && kind !== "supervisor") {
    return specError(id, "kind", `kind must be actor or supervisor, got ${describeValue(kind)}`);
  }
  const shutdown = raw.shutdown ?? defaultShutdown(kind);
  if (!isShutdown(shutdown)) {
    return specError(
      id,
      "shutdown",
      `shutdown must be an integer >= 0 (ms), "infinity" or "brutal_kill", got ${describeValue(shutdown)}`,
    );
  }
  const significant = raw.significant ?? DEFAULT_CHILD_SPEC.significant;
  if (typeof significant !== "boolean") {
    return specError(
      id,
      "significant",
      `significant must be a boolean, got ${describeValue(significant)}`,
    );
  }
  if (significant && restart === "permanent") {
    return specError(
      id,
      "significant",
      "significant: true needs restart transient or temporary, got permanent",
    );
  }
  if (significant && autoShutdown === "never") {
    return specError(
      id,
      "significant",
      "significant: true needs autoShutdown any_significant or all_significant, got never",
    );
  }
  const spec: ResolvedChildSpec = {
    id,
    address,
    restart: restart as RestartType,
    kind,
    shutdown,
    significant,
  };
  return { ok: true, spec };
}

/**
 * OTP's `check_childspecs`: every spec valid (see `resolveSpec`) and ids unique. Answers the
 * resolved specs in the given order, or the first error.
 */
export function checkChildSpecs(
  inputs: unknown,
  autoShutdown?: AutoShutdown,
): { readonly ok: true; readonly specs: ResolvedChildSpec[] } | SpecError {
  if (!Array.isArray(inputs)) {
    return specError(null, "children", `children must be an array, got ${describeValue(inputs)}`);
  }
  const specs: ResolvedChildSpec[] = [];
  const ids = new Set<string>();
  for (const input of inputs) {
    const checked = resolveSpec(input, autoShutdown);
    if ("error" in checked) return checked;
    if (ids.has(checked.spec.id)) {
      return {
        error: "duplicate_child_id",
        child: checked.spec.id,
        field: "id",
        detail: `child id "${checked.spec.id}" appears twice`,
      };
    }
    ids.add(checked.spec.id);
    specs.push(checked.spec);
  }
  return { ok: true, specs };
}

function checkAddress(id: string, value: unknown, template: boolean): ChildAddress | SpecError {
  if (typeof value !== "object" || value === null) {
    return specError(
      id,
      "address",
      `address is required, { binding, name }, got ${describeValue(value)}`,
    );
  }
  const { binding, name } = value as Record<string, unknown>;
  if (typeof binding !== "string" || binding === "") {
    return specError(
      id,
      "address.binding",
      `address.binding must be a non-empty string, got ${describeValue(binding)}`,
    );
  }
  if (template) return { binding, name: typeof name === "string" ? name : "" };
  if (typeof name !== "string" || name === "") {
    return specError(
      id,
      "address.name",
      `address.name must be a non-empty string, got ${describeValue(name)}`,
    );
  }
  return { binding, name };
}

function isShutdown(value: unknown): value is Shutdown {
  if (value === "infinity" || value === "brutal_kill") return true;
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function specError(child: string | null, field: string, detail: string): SpecError {
  return { error: "invalid_child_spec", child, field, detail };
}
