/**
 * Simulated per-command work, served one command at a time (FIFO), like a shard whose
 * storage or CPU is its bottleneck. It exists for benchmarks on a development machine, where
 * a real shard's capacity is far above what a load generator sharing the same two cores can
 * offer: with `serviceTimeMs` set, a shard's capacity becomes a real, finite 1000/ms
 * commands per second, and a queue forms in front of it when nothing regulates admission.
 * Off (0) by default; production never sets it.
 */
export class SerialWork {
  #tail: Promise<void> = Promise.resolve();

  /** Waits for the commands ahead, then occupies the resource for `ms`. */
  run(ms: number): Promise<void> {
    const done = this.#tail.then(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.#tail = done;
    return done;
  }
}
