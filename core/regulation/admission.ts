import type {
  AdmissionOptions,
  AdmissionResult,
  AdmissionSnapshot,
  Admitted,
  RefusalReason,
  Refused,
} from "./admission-types";
import { CounterRegulator } from "./counter-regulator";
import { TokenBucket } from "./token-bucket";
import { requireInteger, requireNonNegative } from "./validate";

type Blocker = "concurrency" | "rate";

interface Waiter {
  readonly enqueuedAt: number;
  readonly expiresAt: number;
  readonly expiry: "sojourn" | "deadline";
  readonly resolve: (result: AdmissionResult) => void;
  timer: unknown;
}

/**
 * Load regulation in the manner of Ulf Wiger's `jobs` and safetyvalve: a request is
 * admitted when a concurrency slot and a rate token are both free, otherwise it waits in a
 * bounded FIFO queue for at most `maxSojournMs` (or its own deadline) and is then refused.
 * Nobody is left hanging, nobody jumps the queue, and overload turns into fast, explicit
 * refusals instead of unbounded latency.
 */
export class Admission {
  readonly #counter: CounterRegulator;
  readonly #bucket: TokenBucket;
  readonly #maxSojournMs: number;
  readonly #maxQueue: number;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #queue: Waiter[] = [];
  #refillTimer: unknown;
  #refillScheduled = false;
  #admitted = 0;
  #refused = 0;

  /** Throws an Error naming the field and its limit if any option is out of range. */
  constructor(opts: AdmissionOptions) {
    this.#now = opts.now ?? Date.now;
    this.#counter = new CounterRegulator(requireInteger("maxConcurrency", opts.maxConcurrency, 1));
    this.#bucket = new TokenBucket({
      ratePerSecond: opts.ratePerSecond,
      burst: opts.burst,
      now: this.#now,
    });
    this.#maxSojournMs = requireNonNegative("maxSojournMs", opts.maxSojournMs);
    this.#maxQueue = requireInteger("maxQueue", opts.maxQueue, 0);
    this.#setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clearTimer =
      opts.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  /**
   * Admits now, or waits in FIFO order until admitted or refused. Never rejects. A
   * `deadline` (epoch ms) bounds the wait further; one already past is refused at once.
   */
  acquire(opts: { deadline?: number } = {}): Promise<AdmissionResult> {
    const { deadline } = opts;
    if (deadline !== undefined && Number.isNaN(deadline)) {
      throw new RangeError("deadline must be epoch ms, got NaN");
    }
    this.#drain();
    const now = this.#now();
    if (deadline !== undefined && deadline <= now) {
      const detail = `deadline passed ${now - deadline} ms before admission was requested`;
      return Promise.resolve(this.#refuse("deadline", detail, this.#retryAfter()));
    }
    const blocker = this.#fairBlocker();
    if (blocker === null) return Promise.resolve(this.#admit(0));
    if (this.#maxSojournMs === 0 || this.#maxQueue === 0) {
      return Promise.resolve(this.#refuseBlocked(blocker));
    }
    if (this.#queue.length >= this.#maxQueue) {
      const detail = `wait queue full (${this.#queue.length}/${this.#maxQueue} waiting, ${this.#counter.inFlight}/${this.#counter.limit} in flight)`;
      return Promise.resolve(this.#refuse("queue-full", detail, this.#retryAfter(blocker)));
    }
    return this.#enqueue(now, deadline);
  }

  /** Admits only if that is possible right now and nobody is waiting; never queues. */
  tryAcquire(): AdmissionResult {
    this.#drain();
    const blocker = this.#fairBlocker();
    return blocker === null ? this.#admit(0) : this.#refuseBlocked(blocker);
  }

  /**
   * Admits if a slot and a token are free and nobody is waiting, else `null` and nothing
   * counted: the synchronous first try of a caller that would otherwise `acquire` (the
   * common case then costs no promise).
   */
  admitNow(): Admitted | null {
    this.#drain();
    return this.#fairBlocker() === null ? this.#admit(0) : null;
  }

  /** Current load and totals, for health and metrics. */
  snapshot(): AdmissionSnapshot {
    return {
      inFlight: this.#counter.inFlight,
      queued: this.#queue.length,
      admitted: this.#admitted,
      refused: this.#refused,
      limit: this.#counter.limit,
      ratePerSecond: this.#bucket.ratePerSecond,
    };
  }

  #enqueue(now: number, deadline: number | undefined): Promise<AdmissionResult> {
    const sojournEnds = now + this.#maxSojournMs;
    const byDeadline = deadline !== undefined && deadline < sojournEnds;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        enqueuedAt: now,
        expiresAt: byDeadline ? deadline : sojournEnds,
        expiry: byDeadline ? "deadline" : "sojourn",
        resolve,
        timer: undefined,
      };
      this.#queue.push(waiter);
      waiter.timer = this.#setTimer(() => this.#expire(waiter), waiter.expiresAt - now);
      this.#drain();
    });
  }

  /** Admits waiting requests in order while resources allow; arms the refill timer. */
  #drain(): void {
    for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
      const now = this.#now();
      // A late timer must not turn an overdue waiter into an admission.
      if (now > head.expiresAt) {
        this.#expire(head);
        continue;
      }
      const blocker = this.#blocker();
      if (blocker === "rate") this.#scheduleRefill();
      if (blocker !== null) return;
      this.#queue.shift();
      this.#clearTimer(head.timer);
      head.resolve(this.#admit(now - head.enqueuedAt));
    }
    this.#cancelRefill();
  }

  #expire(waiter: Waiter): void {
    const index = this.#queue.indexOf(waiter);
    if (index === -1) return;
    if (index === 0 && this.#now() <= waiter.expiresAt && this.#blocker() === null) {
      this.#drain(); // Its resources arrived at the last instant: admit rather than refuse.
      return;
    }
    this.#queue.splice(index, 1);
    this.#clearTimer(waiter.timer);
    const waitedMs = this.#now() - waiter.enqueuedAt;
    const status = this.#status();
    const detail =
      waiter.expiry === "sojourn"
        ? `max sojourn of ${this.#maxSojournMs} ms reached while waiting (${status})`
        : `deadline passed after waiting ${waitedMs} ms (${status})`;
    waiter.resolve(this.#refuse(waiter.expiry, detail, this.#retryAfter()));
    if (this.#queue.length === 0) this.#cancelRefill();
  }

  #admit(waitedMs: number): Admitted {
    this.#bucket.tryTake();
    this.#counter.tryTake();
    this.#admitted += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#counter.release();
      this.#drain();
    };
    return { ok: true, release, waitedMs };
  }

  #refuse(reason: RefusalReason, detail: string, retryAfterMs: number): Refused {
    this.#refused += 1;
    return { ok: false, reason, retryAfterMs, detail };
  }

  /** What stops an admission right now, or null when a slot and a token are both free. */
  #blocker(): Blocker | null {
    if (this.#counter.inFlight >= this.#counter.limit) return "concurrency";
    if (this.#bucket.available < 1) return "rate";
    return null;
  }

  /** Like `#blocker`, but a non-empty queue also blocks: newcomers must not overtake. */
  #fairBlocker(): Blocker | null {
    const blocker = this.#blocker();
    // After #drain a non-empty queue implies a blocker; the fallback only satisfies types.
    return this.#queue.length > 0 ? (blocker ?? "concurrency") : blocker;
  }

  /** A Retry-After hint (>= 1 ms) for whatever currently blocks admission. */
  #retryAfter(blocker: Blocker = this.#blocker() ?? "concurrency"): number {
    const { ratePerSecond } = this.#bucket;
    if (blocker === "rate") {
      const queueDrainMs = Math.ceil((this.#queue.length * 1000) / ratePerSecond);
      return Math.max(1, this.#bucket.msUntilToken() + queueDrainMs);
    }
    const hint = this.#maxSojournMs > 0 ? this.#maxSojournMs : 1000 / ratePerSecond;
    return Math.max(1, Math.ceil(hint));
  }

  #refuseBlocked(blocker: Blocker): Refused {
    if (blocker === "concurrency") {
      const detail = `concurrency limit reached (${this.#status()})`;
      return this.#refuse("concurrency", detail, this.#retryAfter("concurrency"));
    }
    const { ratePerSecond, burst } = this.#bucket;
    const next = this.#bucket.msUntilToken();
    const detail = `rate limit reached (${ratePerSecond}/s, burst ${burst}, next token in ${next} ms, ${this.#queue.length} waiting)`;
    return this.#refuse("rate", detail, this.#retryAfter("rate"));
  }

  #status(): string {
    return `${this.#counter.inFlight}/${this.#counter.limit} in flight, ${this.#queue.length} waiting`;
  }

  #scheduleRefill(): void {
    if (this.#refillScheduled) return;
    this.#refillScheduled = true;
    this.#refillTimer = this.#setTimer(() => {
      this.#refillScheduled = false;
      this.#drain();
    }, this.#bucket.msUntilToken());
  }

  #cancelRefill(): void {
    if (!this.#refillScheduled) return;
    this.#refillScheduled = false;
    this.#clearTimer(this.#refillTimer);
  }
}
