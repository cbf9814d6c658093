/**
 * Reads `GET /v1/ops/supervision` by the fields docs/api.md pins, not by its nesting, which the
 * contract leaves to the implementer: a supervisor is any object with `strategy`,
 * `intensity`, `periodMs` and `status`; a child any other object with `id`, `status`,
 * `restarts` and `lastCrash`.
 */

/** A node of the supervision answer, as a plain object. */
export type ViewNode = Record<string, unknown>;

/** Every object in `value`, depth first, `value` itself included. */
export function* objectsIn(value: unknown): Generator<ViewNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* objectsIn(item);
  } else if (typeof value === "object" && value !== null) {
    const node: ViewNode = Object.fromEntries(Object.entries(value));
    yield node;
    for (const field of Object.values(node)) yield* objectsIn(field);
  }
}

export function isSupervisor(node: ViewNode): boolean {
  return (
    typeof node.strategy === "string" &&
    typeof node.intensity === "number" &&
    typeof node.periodMs === "number" &&
    typeof node.status === "string"
  );
}

export function isChild(node: ViewNode): boolean {
  return (
    !isSupervisor(node) &&
    (typeof node.id === "string" || typeof node.id === "number") &&
    typeof node.status === "string" &&
    typeof node.restarts === "number" &&
    "lastCrash" in node
  );
}

/** Every supervisor in `view`, outermost first. */
export function supervisorsIn(view: unknown): ViewNode[] {
  return [...objectsIn(view)].filter(isSupervisor);
}

/** Every child (non-supervisor) under `supervisor`. */
export function childrenOf(supervisor: ViewNode): ViewNode[] {
  return [...objectsIn(supervisor)].filter(isChild);
}

/**
 * The supervisor of `service` (`"inventory"`, `"orders"`): the one whose own text fields
 * (its id, name or service) mention the service.
 */
export function serviceSupervisor(view: unknown, service: string): ViewNode | undefined {
  return supervisorsIn(view).find((node) =>
    Object.values(node).some((field) => typeof field === "string" && field.includes(service)),
  );
}
