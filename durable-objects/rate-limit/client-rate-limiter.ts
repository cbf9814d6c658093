import { DurableObject } from "cloudflare:workers";
import { KeyedRateLimiter, type KeyedTakeResult } from "../../core/regulation";
import { loadConfig } from "../config";

/**
 * Per-client rate limiting (`RATE_LIMIT_PER_MINUTE`, keyed by `CF-Connecting-IP`): one
 * token bucket per client, in the shard of this object that the client's key hashes to, so
 * the limit holds across every edge isolate. Buckets live in memory on purpose: an evicted
 * limiter forgives its clients, which errs on the side of serving them, and costs no write
 * per request. (The Workers Rate Limiting binding fixes its limit in wrangler.toml and only
 * knows 10 s and 60 s periods, so it cannot honour the configurable variable.)
 */
export class ClientRateLimiter extends DurableObject<Cloudflare.Env> {
  #limiter: KeyedRateLimiter | undefined;

  /** Spends one of `client`'s tokens, or says when the next one comes. */
  async take(client: string): Promise<KeyedTakeResult> {
    this.#limiter ??= new KeyedRateLimiter({
      limitPerMinute: loadConfig(this.env).rateLimitPerMinute,
    });
    return this.#limiter.take(client);
  }
}
