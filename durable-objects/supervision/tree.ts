import { type BulwarkConfig, SERVICES } from "../config";
import type { SupervisorSpec } from "../runtime";

/** The root supervisor's name; it supervises one supervisor per service. */
export const ROOT = "root";

/**
 * The reference system's supervision tree, derived from configuration:
 *
 * ```
 * root (one_for_one)
 * ├── inventory (service flags) ── inventory-0 … inventory-N-1
 * └── orders    (service flags) ── orders-0 … orders-N-1
 * ```
 *
 * The root's children are `temporary`: a service supervisor that gives up is not restarted
 * by the root but marked `down` (like an OTP application that stopped), its commands fail
 * fast, and it comes back through the admin restart or, after `DOWN_RECOVERY_MS`, the cron.
 */
export function supervisionSpec(config: BulwarkConfig, name: string): SupervisorSpec | null {
  if (name === ROOT) {
    return {
      flags: { strategy: "one_for_one", intensity: 1, periodMs: 5000 },
      recoveryMs: config.downRecoveryMs,
      children: SERVICES.map((service) => ({
        id: service,
        kind: "supervisor",
        restart: "temporary",
        address: { binding: "SUPERVISOR", name: service },
      })),
    };
  }
  const service = SERVICES.find((s) => s === name);
  if (!service) return null;
  const { shards, flags, binding } = config.services[service];
  return {
    flags,
    parent: { address: { binding: "SUPERVISOR", name: ROOT }, childId: service },
    children: shards.shardNames().map((shard) => ({
      id: shard,
      address: { binding, name: shard },
    })),
  };
}
