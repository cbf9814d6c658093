import { type BulwarkConfig, isService, type ServiceName } from "../config";
import { entityPartitions, type SupervisorSpec } from "../runtime";
import { ROOT_SUPERVISOR, SERVICES, services } from "../services";

/** The root supervisor's name; it supervises one supervisor per service. */
export const ROOT = ROOT_SUPERVISOR;

/**
 * The reference system's supervision tree, derived from the registry
 * (`durable-objects/services.ts`, in its order) and configuration:
 *
 * ```
 * root (one_for_one, 1 restart / 5 s)
 * ├── inventory (SUPERVISOR_* flags) ── inventory-0 … inventory-N-1
 * ├── orders    (SUPERVISOR_* flags) ── orders-0 … orders-N-1
 * └── sessions  (SUPERVISOR_* flags) ── sessions/p0 … p<M-1> (simple_one_for_one) ── active sessions
 * ```
 *
 * The services are `transient` child supervisors. A service supervisor that reaches its
 * restart intensity exits with reason `shutdown` — a clean exit for a `transient` child — so
 * the root does not restart it: it keeps its spec and shows it `down` (like an OTP
 * application that stopped), its commands fail fast, and it comes back through the admin
 * restart (`restartChild`) or, `DOWN_RECOVERY_MS` after it went down, the cron (`tick`).
 * A service that crashed in any other way would be restarted by the root.
 *
 * Shards are the service supervisor's children, in shard order. With
 * `SUPERVISOR_STRATEGY=simple_one_for_one` they are instances of one template, started by
 * name right after the supervisor starts; with `one_for_one` (the default `docs/api.md` documents),
 * `one_for_all` or `rest_for_one` they are static children. No child is `significant`: no
 * service or shard finishing on purpose means its supervisor's work is done.
 *
 * A per-entity service's supervisor has its partitions as `permanent` child supervisors
 * (`entitySpec`); each partition is a `simple_one_for_one` supervisor of the service's
 * entities that lists only the active ones (they enroll when they activate).
 */
export function supervisionSpec(config: BulwarkConfig, name: string): SupervisorSpec | null {
  if (name === ROOT) {
    return {
      flags: { strategy: "one_for_one", intensity: 1, periodMs: 5000 },
      recoveryMs: config.downRecoveryMs,
      children: SERVICES.map((service) => ({
        id: service,
        kind: "supervisor",
        restart: "transient",
        address: { binding: "SUPERVISOR", name: service },
      })),
    };
  }
  const entity = entitySpec(config, name);
  if (entity !== undefined) return entity;
  if (!services.has(name)) return null;
  const { shards, flags, binding } = config.services[name];
  const names = shards?.shardNames() ?? [];
  const parent = { address: { binding: "SUPERVISOR", name: ROOT }, childId: name };
  if (flags.strategy === "simple_one_for_one") {
    return {
      flags,
      parent,
      children: [{ id: "shard", address: { binding, name: "" } }],
      dynamicChildren: names.map((shard) => ({ name: shard })),
    };
  }
  return {
    flags,
    parent,
    children: names.map((shard) => ({ id: shard, address: { binding, name: shard } })),
  };
}

/**
 * The per-entity service whose partition supervisor is named `name` (`sessions/p3` →
 * `sessions`); `null` for any other supervisor (a service's own, the root, another tree's).
 */
export function entityServiceOf(config: BulwarkConfig, name: string): ServiceName | null {
  const [service = ""] = name.split("/");
  if (!isService(service)) return null;
  const { placement } = config.services[service];
  if (placement.kind !== "entity") return null;
  return entityPartitions(service, placement.partitions).includes(name) ? service : null;
}

/**
 * The supervisors of a per-entity service: the service's own (`one_for_one` over its
 * partitions, with its flags) and each partition (`simple_one_for_one`, the service's class
 * as template, no child started up front). `null` for another `<service>/…` name,
 * `undefined` when `name` is not an entity service's.
 */
function entitySpec(config: BulwarkConfig, name: string): SupervisorSpec | null | undefined {
  const [service = "", partition] = name.split("/");
  if (!services.has(service)) return undefined;
  const { placement, flags, binding } = config.services[service];
  if (placement.kind !== "entity") return undefined;
  const partitions = entityPartitions(service, placement.partitions);
  if (partition === undefined) {
    return {
      flags: { ...flags, strategy: "one_for_one" },
      parent: { address: { binding: "SUPERVISOR", name: ROOT }, childId: service },
      children: partitions.map((id) => ({
        id,
        kind: "supervisor",
        address: { binding: "SUPERVISOR", name: id },
      })),
    };
  }
  if (!partitions.includes(name)) return null; // not one of its partitions
  return {
    flags: { ...flags, strategy: "simple_one_for_one" },
    parent: { address: { binding: "SUPERVISOR", name: service }, childId: name },
    children: [{ id: "entity", address: { binding, name: "" } }],
  };
}
