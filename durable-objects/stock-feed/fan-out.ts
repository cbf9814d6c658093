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
 * listeners is ~32 short tasks instead of one long one: requests queued behind it (in local
 * workerd, every object and the edge share one isolate) wait for a chunk, not a whole pass.
 */
export const CHUNK = 32;

/**
 * Spacing of passes per listener reached: after a pass to n sockets the next waits at least
 * n × 1 ms (100 listeners: 10 passes a second at most; 1,000: one), so the send work a sku's
 * listeners cause stays about one socket-send per millisecond however many listen — a
 * bounded share of the CPU — and they get the newest state when the pass comes.
 */
export const SPACING_PER_SOCKET_MS = 1;

const stockMessage = (view: SkuView) => JSON.stringify({ type: "stock", ...view });

/**
 * One sku's fan-out: the newest view wins. A publish older than (or as old as) the newest
 * one seen is dropped, also across eviction (the newest is stored); a pass sends the newest
 * view to every socket, `CHUNK` sockets per task; views that arrive during a pass or its
 * spacing are coalesced into the next pass (only the newest is sent), so a slow or busy
 * relay skips stale states instead of queueing them (Workers expose no `bufferedAmount`).
 */
export class FanOut {
  readonly #host: FanOutHost;
  #latest: SkuView | undefined;
  #loaded = false;
  /** Pass state: none pending, one waiting to start (its spacing), or one sending `version`. */
  #phase: { readonly kind: "idle" | "scheduled" } | { readonly kind: "running"; version: number } =
    { kind: "idle" };
  /** No pass starts before this time (see `SPACING_PER_SOCKET_MS`). */
  #quietUntil = 0;
  /** Sockets the last finished pass reached (`null` before the first). */
  #reached: number | null = null;

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

  /** How many sockets the last finished pass reached (`null` before the first). */
  reached(): number | null {
    return this.#reached;
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

  /**
   * Greets a new listener with the newest state: `view` (read from the shard at connect)
   * counts as a publish, so a connect that saw a newer state than the relay has shares it with
   * everyone. The listener is sent that state now, unless a pass that will reach it is due
   * (one waiting to start, or the next one after a pass of an older state): never twice.
   */
  welcome(socket: FeedSocket, view: SkuView): void {
    this.offer(view);
    const phase = this.#phase;
    const newest = this.latest() ?? view;
    if (phase.kind === "scheduled") return;
    if (phase.kind === "running" && phase.version < newest.version) return;
    send(socket, stockMessage(newest));
  }

  #schedule(): void {
    if (this.#phase.kind !== "idle") return;
    this.#phase = { kind: "scheduled" };
    this.#host.later(() => this.#pass(), Math.max(0, this.#quietUntil - this.#host.now()));
  }

  #pass(): void {
    const view = this.#latest;
    if (!view) {
      this.#phase = { kind: "idle" };
      return;
    }
    this.#phase = { kind: "running", version: view.version };
    this.#chunk(view, stockMessage(view), this.#host.sockets(), 0);
  }

  #chunk(view: SkuView, message: string, sockets: readonly FeedSocket[], from: number): void {
    const end = Math.min(from + CHUNK, sockets.length);
    for (let i = from; i < end; i++) {
      const socket = sockets[i];
      if (socket) send(socket, message);
    }
    if (end < sockets.length) {
      this.#host.later(() => this.#chunk(view, message, sockets, end), 0);
      return;
    }
    this.#phase = { kind: "idle" };
    this.#reached = sockets.length;
    this.#quietUntil = this.#host.now() + sockets.length * SPACING_PER_SOCKET_MS;
    const latest = this.#latest;
    if (latest && latest.version > view.version) this.#schedule();
  }
}

function send(socket: FeedSocket, message: string): void {
  try {
    socket.send(message);
  } catch {
    // A socket closing concurrently; its close handler cleans up.
  }
}
