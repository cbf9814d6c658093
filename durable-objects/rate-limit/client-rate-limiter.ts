import { DurableObject } from "cloudflare:workers";
import { KeyedRateLimiter, type KeyedTakeResult } from "../../core/regulation";

/**
 * Per-client rate limiting (`RATE_LIMIT_PER_MINUTE`, keyed by `CF-Connecting-IP`): one
 * token bucket per client, in the shard of this object that the client's key hashes to, so
 * the limit holds across every edge isolate. Buckets live in memory on purpose: an evicted
 * limiter forgives its clients, which errs on the side of serving them, and costs no write
 * per request. (The Workers Rate Limiting binding fixes its limit in wrangler.toml and only
 * knows 10 s and 60 s periods, so it cannot honour the configurable variable.)
 */
export class ClientRateLimiter extends DurableObject {
  #limiter: KeyedRateLimiter | undefined;

  /**
   * Spends one of `client`'s tokens, or says when the next one comes. The edge passes the
   * limit it is configured with; a changed limit starts the buckets afresh.
   */
  async take(client: string, limitPerMinute: number): Promise<KeyedTakeResult> {
    if (this.#limiter?.limitPerMinute !== limitPerMinute) {
      this.#limiter = new KeyedRateLimiter({ limitPerMinute });
    }
    return this.#limiter.take(client);
  }
}
