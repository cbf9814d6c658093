import {
  HeldLease,
  type LeaseGrant,
  type LeasePolicy,
  leasePolicy,
  requireInteger,
} from "../../core/regulation";
import { within } from "../../core/time";

/** The limiter as a lease holder sees it (`ClientRateLimiter`'s RPC). */
export interface LeaseSource {
  lease(
    client: string,
    limitPerMinute: number,
    want: number,
    returned: number,
  ): Promise<LeaseGrant>;
}

/**
 * The outcome of `ClientLeases.take`. `via` says what it cost: `lease` = a local token, no
 * round trip; `limiter` = the request waited for a lease; `fail-open` = the limiter could
 * not be reached or did not answer within `staleCallMs` (within the last `failOpenMs`) and
 * the request was let through.
 */
export type LeaseOutcome =
  | { readonly ok: true; readonly via: "lease" | "limiter" }
  | { readonly ok: true; readonly via: "fail-open"; readonly error: string }
  | { readonly ok: false; readonly retryAfterMs: number };

/** Options of `ClientLeases`. */
export interface ClientLeasesOptions {
  /** Requests per client per minute (`RATE_LIMIT_PER_MINUTE`). */
  limitPerMinute: number;
  /** The limiter object that owns `client`'s bucket. */
  limiter: (client: string) => LeaseSource;
  /** Clients remembered at once; the least recently used beyond are forgotten. Default 10,000. */
  maxClients?: number;
  /** After a failed lease call, let the client through without trying for this many ms (an integer >= 1). Default 1,000. */
  failOpenMs?: number;
  /**
   * A lease call that has not settled after this many ms (an integer >= 1) has failed, as if
   * it had thrown: nobody waits for it any longer and the client fails open for `failOpenMs`.
   * So a limiter that never answers costs a request at most this wait, and the limiter at
   * most one call per client per `failOpenMs` from this isolate. Default 5,000.
   */
  staleCallMs?: number;
  /** Clock in epoch ms; defaults to `Date.now`. */
  now?: () => number;
}

const LOCAL_TOKEN: LeaseOutcome = { ok: true, via: "lease" };

interface Entry {
  readonly lease: HeldLease;
  inFlight: Promise<void> | undefined;
  /** When `inFlight` started (the isolate's clock). */
  inFlightAt: number;
  downUntil: number;
  lastError: string;
}

/**
 * One edge isolate's leases, per client: most requests spend a local token; when a lease
 * runs low the next one is fetched in the background (`defer` = `ctx.waitUntil`); only a
 * client with no token left waits for the limiter, and concurrent waiters share one call.
 * See `core/regulation/token-lease.ts` for the accuracy bound.
 */
export class ClientLeases {
  readonly policy: LeasePolicy;
  readonly #limiter: (client: string) => LeaseSource;
  readonly #maxClients: number;
  readonly #failOpenMs: number;
  readonly #staleCallMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: ClientLeasesOptions) {
    this.policy = leasePolicy({ limitPerMinute: opts.limitPerMinute });
    this.#limiter = opts.limiter;
    this.#maxClients = opts.maxClients ?? 10_000;
    this.#failOpenMs = requireInteger("failOpenMs", opts.failOpenMs ?? 1000, 1);
    this.#staleCallMs = requireInteger("staleCallMs", opts.staleCallMs ?? 5000, 1);
    this.#now = opts.now ?? Date.now;
  }

  /** Tokens this isolate holds for `client` right now. */
  held(client: string): number {
    return this.#entries.get(client)?.lease.tokens ?? 0;
  }

  /**
   * Admits or refuses one request of `client`. Throws only `signal`'s reason, when the
   * caller gave up (its deadline passed) while it waited: then it spends no token.
   */
  async take(
    client: string,
    defer: (work: Promise<void>) => void,
    signal?: AbortSignal,
  ): Promise<LeaseOutcome> {
    const entry = this.#entry(client);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#answerNow(client, entry, defer);
      if (now !== null) return now;
      await this.#atMostStale(entry, this.#current(entry) ?? this.#refill(client, entry, defer));
      signal?.throwIfAborted();
      // Refused, failed or stale: the checks above answer. Granted: spend, unless concurrent
      // waiters took every token first, and then the loop asks again.
      if (entry.lease.trySpend()) return { ok: true, via: "limiter" };
    }
  }

  /**
   * `take`'s answer when it needs no wait — a local token, a known refusal, or the limiter
   * known down — else `null` (then `take` waits for the limiter). Synchronous: the common
   * case of every state-changing request costs no promise.
   */
  takeNow(client: string, defer: (work: Promise<void>) => void): LeaseOutcome | null {
    return this.#answerNow(client, this.#entry(client), defer);
  }

  #answerNow(
    client: string,
    entry: Entry,
    defer: (work: Promise<void>) => void,
  ): LeaseOutcome | null {
    // Leased tokens are spent first: a refused refill must not strand them.
    const refusedFor = entry.lease.refusedForMs();
    if (entry.lease.trySpend()) {
      if (
        entry.lease.wantsRefill &&
        refusedFor === 0 &&
        this.#current(entry) === undefined &&
        this.#now() >= entry.downUntil // no call while the limiter is known down
      ) {
        this.#refill(client, entry, defer);
      }
      return LOCAL_TOKEN;
    }
    if (refusedFor > 0) return { ok: false, retryAfterMs: refusedFor };
    this.#current(entry); // a call in flight for `staleCallMs` has failed: marks the limiter down
    if (this.#now() < entry.downUntil) {
      return { ok: true, via: "fail-open", error: entry.lastError };
    }
    return null;
  }

  /**
   * Waits for `call` (the one in flight for `entry`) until it settles or turns stale
   * (`staleCallMs` after it started), whichever comes first; a stale call has failed.
   */
  async #atMostStale(entry: Entry, call: Promise<void>): Promise<void> {
    const staleInMs = entry.inFlightAt + this.#staleCallMs - this.#now();
    // `call` never rejects (`#refill`): it either settles or turns stale.
    const waited = await within(call, Math.max(1, Math.min(this.#staleCallMs, staleInMs)));
    if (waited.ended === "timeout") this.#giveUp(entry, call);
  }

  /**
   * The lease call in flight for `entry`, unless it has been in flight for `staleCallMs`:
   * then it has failed (`#giveUp`) and there is none.
   */
  #current(entry: Entry): Promise<void> | undefined {
    const call = entry.inFlight;
    if (call === undefined || this.#now() - entry.inFlightAt < this.#staleCallMs) return call;
    this.#giveUp(entry, call);
    return undefined;
  }

  /**
   * `call` did not settle within `staleCallMs`: a failure, treated as a thrown call is (the
   * limiter is down for `failOpenMs`, its clients fail open). Once per call: a call already
   * given up, settled or replaced changes nothing. If it settles later, a grant is still
   * applied (its tokens left the bucket).
   */
  #giveUp(entry: Entry, call: Promise<void>): void {
    if (entry.inFlight !== call) return;
    entry.inFlight = undefined;
    this.#markDown(entry, `the lease call did not settle within ${this.#staleCallMs} ms`);
  }

  #markDown(entry: Entry, error: string): void {
    entry.downUntil = this.#now() + this.#failOpenMs;
    entry.lastError = error;
  }

  /**
   * One lease call for `client`, shared by everyone waiting on it; never rejects. It is
   * handed to `defer` (`ctx.waitUntil`) even when the request waits for it, so a client
   * that disconnects does not cancel a call other requests share.
   */
  #refill(client: string, entry: Entry, defer: (work: Promise<void>) => void): Promise<void> {
    let call: Promise<void> | undefined;
    // Unassigned only while `#call` runs synchronously, when it is the current call.
    const current = () => call === undefined || entry.inFlight === call;
    call = this.#call(client, entry, current).finally(() => {
      // A later microtask: `call` is assigned by then. A stale call that settles late must
      // not clear the fresh one that replaced it.
      if (entry.inFlight === call) entry.inFlight = undefined;
    });
    entry.inFlight = call;
    entry.inFlightAt = this.#now();
    defer(call);
    return call;
  }

  /**
   * One lease call. A grant is applied even when it comes late (its tokens left the bucket);
   * a failure marks the limiter down only while the call is `current`: one given up as stale
   * (already counted as a failure) or replaced must not mark it down again after a newer
   * call succeeded.
   */
  async #call(client: string, entry: Entry, current: () => boolean): Promise<void> {
    try {
      const { limitPerMinute, size } = this.policy;
      const returned = entry.lease.takeReturns();
      entry.lease.apply(await this.#limiter(client).lease(client, limitPerMinute, size, returned));
    } catch (error) {
      if (current()) this.#markDown(entry, String(error));
    }
  }

  #entry(client: string): Entry {
    let entry = this.#entries.get(client);
    if (entry === undefined) {
      const lease = new HeldLease(this.policy, this.#now);
      entry = { lease, inFlight: undefined, inFlightAt: 0, downUntil: 0, lastError: "" };
    } else {
      this.#entries.delete(client);
    }
    // A Map iterates in insertion order; re-inserting on use keeps the LRU client first.
    this.#entries.set(client, entry);
    if (this.#entries.size > this.#maxClients) {
      for (const oldest of this.#entries.keys()) {
        if (this.#entries.size <= this.#maxClients) break;
        this.#entries.delete(oldest);
      }
    }
    return entry;
  }
}
