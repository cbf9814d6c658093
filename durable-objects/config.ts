import { integer, type Vars } from "../core/config";
import type { ServiceConfigs } from "./runtime";
import {
  isService,
  SERVICES,
  type ServiceDefinitions,
  type ServiceName,
  services,
} from "./services";

/** Everything configurable per service, validated from `wrangler.toml` vars. */
export type { ServiceConfig } from "./runtime";
export { isService, SERVICES, type ServiceName };

export interface BulwarkConfig {
  /** Every registered service's configuration (`durable-objects/services.ts`). */
  readonly services: ServiceConfigs<ServiceDefinitions>;
  readonly downRecoveryMs: number;
  readonly rateLimitPerMinute: number;
  readonly faultInjection: boolean;
  /** How long a saga waits before its resume timer drives it again (orders' `resumeMs` setting). */
  readonly ordersResumeMs: number;
  /** Base delay of the orders queue's exponential retry backoff. */
  readonly queueRetryBaseMs: number;
}

const cache = new WeakMap<object, BulwarkConfig>();

/**
 * Parses and validates configuration once per `env` object; a bad value fails loudly with
 * the field and its limit instead of running with a silent default, and a service whose
 * declared binding is missing fails here, naming the binding.
 */
export function loadConfig(env: object): BulwarkConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as Vars;
  const resolved = services.resolve(env);
  const config: BulwarkConfig = {
    services: resolved,
    downRecoveryMs: integer(vars, "DOWN_RECOVERY_MS", 60_000, 0, 86_400_000),
    rateLimitPerMinute: integer(vars, "RATE_LIMIT_PER_MINUTE", 6000, 1, 10_000_000),
    faultInjection: vars.FAULT_INJECTION === "on",
    ordersResumeMs: resolved.orders.settings.resumeMs,
    queueRetryBaseMs: integer(vars, "QUEUE_RETRY_BASE_MS", 1000, 0, 3_600_000),
  };
  cache.set(env, config);
  return config;
}
