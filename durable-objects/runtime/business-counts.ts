import type { CounterLabels, TelemetrySink } from "./telemetry";

/**
 * Business counters staged by the message being processed. They reach the sink only after
 * its writes commit (`commit`), and are dropped when its transaction fails (`discard`), so
 * every counted fact is one that durably happened — once.
 */
export class BusinessCounts {
  #staged: { family: string; labels: CounterLabels; by: number }[] = [];

  stage(family: string, labels: CounterLabels, by: number): void {
    if (by > 0) this.#staged.push({ family, labels, by });
  }

  commit(sink: TelemetrySink): void {
    const staged = this.#staged;
    this.#staged = [];
    for (const c of staged) sink.count?.(c.family, c.labels, c.by);
  }

  discard(): void {
    this.#staged = [];
  }
}
