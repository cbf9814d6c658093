import type { SkuView } from "../inventory/protocol";

/** The socket surface the fan-out uses (a hibernatable server-side WebSocket). */
export interface FeedSocket {
  send(message: string): void;
}

/** Where the fan-out finds its sockets and its last view, and how it defers work. */
export interface FanOutHost {
  /** Every open listener of the sku. */
  sockets(): readonly FeedSocket[];
  /** Runs `fn` after `ms`, as a task of its own (`setTimeout` in a Durable Object). */
  later(fn: () => void, ms: number): void;
  /** The clock spacing is measured with (`Date.now`). */
  now(): number;
  /** The newest view published so far, as stored (survives eviction). */
  load(): SkuView | undefined;
  /** Stores the newest view (one small write per accepted publish). */
  save(view: SkuView): void;
}

/**
 * Sockets served per task. Between chunks the relay yields, so one publish to 1,000
 * listeners is ~16 short tasks instead of one long one: requests queued behind it (in local
 * workerd, every object and the edge share one isolate) wait for a chunk, not a whole pass.
 */
export const CHUNK = 64;

/**
 * Spacing of passes per listener reached: after a pass to n sockets the next waits at least
 * n × 0.25 ms (1,000 listeners: 4 passes a second at most), so a hot sku cannot turn its
 * listeners into unbounded send work; they get the newest state when the pass comes.
 */
export const SPACING_PER_SOCKET_MS = 0.25;

const stockMessage = (view: SkuView) => JSON.stringify({ type: "stock", ...view });

/**
 * One sku's fan-out: the newest view wins. A publish older than (or as old as) the newest
 * one seen is dropped, also across eviction (the newest is stored); a pass sends the newest
 * view to every socket that has not had it, `CHUNK` sockets per task; a view that arrives
 * during a pass is sent by the next pass, so a slow or busy relay skips stale states instead
 * of queueing them (Workers expose no `bufferedAmount` to drop by).
 */
export class FanOut {
  readonly #host: FanOutHost;
  /** The version each socket was last sent, so no socket gets one state twice. */
  readonly #sent = new WeakMap<FeedSocket, number>();
  #latest: SkuView | undefined;
  #loaded = false;
  #passing = false;
  /** No pass starts before this time (see `SPACING_PER_SOCKET_MS`). */
  #quietUntil = 0;

  constructor(host: FanOutHost) {
    this.#host = host;
  }

  /** The newest view seen, from memory or storage. */
  latest(): SkuView | undefined {
    if (!this.#loaded) {
      this.#latest = this.#host.load();
      this.#loaded = true;
    }
    return this.#latest;
  }

  /** Takes `view` if it is newer than the newest seen and schedules a pass; `false` if stale. */
  offer(view: SkuView): boolean {
    const latest = this.latest();
    if (latest && latest.version >= view.version) return false;
    this.#latest = view;
    this.#host.save(view);
    this.#schedule();
    return true;
  }

  /** Greets a new listener with the newer of `view` (read at connect) and the newest seen. */
  welcome(socket: FeedSocket, view: SkuView): void {
    const latest = this.latest();
    const newest = latest && latest.version > view.version ? latest : view;
    this.#sendTo(socket, newest, stockMessage(newest));
  }

  #schedule(): void {
    if (this.#passing) return;
    this.#passing = true;
    this.#host.later(() => this.#pass(), Math.max(0, this.#quietUntil - this.#host.now()));
  }

  #pass(): void {
    const view = this.#latest;
    if (!view) {
      this.#passing = false;
      return;
    }
    const sockets = this.#host.sockets().filter((s) => (this.#sent.get(s) ?? -1) < view.version);
    this.#chunk(view, stockMessage(view), sockets, 0);
  }

  #chunk(view: SkuView, message: string, sockets: readonly FeedSocket[], from: number): void {
    const end = Math.min(from + CHUNK, sockets.length);
    for (let i = from; i < end; i++) {
      const socket = sockets[i];
      if (socket) this.#sendTo(socket, view, message);
    }
    if (end < sockets.length) {
      this.#host.later(() => this.#chunk(view, message, sockets, end), 0);
      return;
    }
    this.#passing = false;
    this.#quietUntil = this.#host.now() + sockets.length * SPACING_PER_SOCKET_MS;
    const latest = this.#latest;
    if (latest && latest.version > view.version) this.#schedule();
  }

  #sendTo(socket: FeedSocket, view: SkuView, message: string): void {
    if ((this.#sent.get(socket) ?? -1) >= view.version) return;
    try {
      socket.send(message);
      this.#sent.set(socket, view.version);
    } catch {
      // A socket closing concurrently; its close handler cleans up.
    }
  }
}
