import type { Vars } from "../../../core/config";
import { ShardRouter } from "../../routing";
import { maxSubShards } from "./placement";

/** One `HOT_SKUS` rule: skus matching `pattern` (a `*` matches any run) are created with `subShards`. */
export interface HotSkuRule {
  readonly pattern: string;
  readonly subShards: number;
}

export interface SpreadConfig {
  /** `HOT_SKUS`, in order (the first match wins); default none. */
  readonly rules: readonly HotSkuRule[];
  /** The largest K accepted: min(64, INVENTORY_SHARDS). */
  readonly maxSubShards: number;
}

const RULE = /^([A-Za-z0-9*][A-Za-z0-9._:*-]{0,63})=([0-9]{1,2})$/;

/**
 * Parses `HOT_SKUS`, e.g. `"flash-*=4,promo-1=8"`: comma-separated `pattern=K` with
 * 1 ≤ K ≤ `max`. A malformed rule fails loudly, naming the rule and the limit.
 */
export function parseHotSkus(raw: unknown, max: number): HotSkuRule[] {
  if (raw === undefined || raw === "") return [];
  if (typeof raw !== "string") throw new Error(`HOT_SKUS must be a string, got ${typeof raw}`);
  return raw.split(",").map((part) => {
    const match = RULE.exec(part.trim());
    const subShards = Number(match?.[2]);
    if (!match?.[1] || !(subShards >= 1 && subShards <= max)) {
      throw new Error(
        `HOT_SKUS rule ${JSON.stringify(part)} must be pattern=K with K from 1 to ${max} (min of 64 and INVENTORY_SHARDS)`,
      );
    }
    return { pattern: match[1], subShards };
  });
}

const globMatches = (pattern: string, sku: string): boolean =>
  new RegExp(`^${pattern.replace(/[.:-]/g, "\\$&").replaceAll("*", ".*")}$`).test(sku);

/** K for a newly created `sku` by the first matching rule, or 1 (plain). */
export const defaultSubShards = (config: SpreadConfig, sku: string): number =>
  config.rules.find((rule) => globMatches(rule.pattern, sku))?.subShards ?? 1;

const cache = new WeakMap<object, SpreadConfig>();

/** Validated once per `env`. */
export function loadSpreadConfig(env: object): SpreadConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const max = maxSubShards(new ShardRouter(env as Cloudflare.Env).shards("inventory").length);
  const config = { rules: parseHotSkus((env as Vars).HOT_SKUS, max), maxSubShards: max };
  cache.set(env, config);
  return config;
}
