import type { SagaContext } from "./commands";
import type { Result } from "./result";

/** Thrown inside a saga step whose actor crashed meanwhile: that incarnation's work is over. */
export class StaleIncarnation extends Error {}

/**
 * Runs saga commands: each `cx.step` is one storage transaction, a step of an incarnation
 * that has since crashed is refused (its durable progress resumes through a timer), and
 * concurrent duplicates of a keyed saga wait for the first and get its answer.
 */
export class SagaRunner {
  readonly #storage: DurableObjectStorage;
  readonly #incarnation: () => number;
  readonly #inflight = new Map<string, Promise<Result<unknown>>>();

  constructor(storage: DurableObjectStorage, incarnation: () => number) {
    this.#storage = storage;
    this.#incarnation = incarnation;
  }

  run(
    saga: (payload: unknown, cx: SagaContext) => Promise<Result<unknown>>,
    payload: unknown,
    key: string | undefined,
    crashAtStep: number | null,
  ): Promise<Result<unknown>> {
    const running = key === undefined ? undefined : this.#inflight.get(key);
    if (running) return running;
    const promise = saga(payload, this.context(key, crashAtStep)).finally(() => {
      if (key !== undefined && this.#inflight.get(key) === promise) this.#inflight.delete(key);
    });
    if (key !== undefined) this.#inflight.set(key, promise);
    return promise;
  }

  /** A context whose steps belong to the current incarnation; `crashAtStep` injects a fault. */
  context(key: string | undefined, crashAtStep: number | null = null): SagaContext {
    const incarnation = this.#incarnation();
    let steps = 0;
    return {
      now: Date.now(),
      idempotencyKey: key,
      step: <T>(fn: () => T): T => {
        if (incarnation !== this.#incarnation()) {
          throw new StaleIncarnation(
            `restarted; abandoning the work of incarnation ${incarnation}`,
          );
        }
        steps += 1;
        return this.#storage.transactionSync(() => {
          const value = fn();
          if (steps === crashAtStep) throw new Error(`injected crash at step ${steps}`);
          return value;
        });
      },
    };
  }

  /** A crash ends every saga of the incarnation: nobody may join them any more. */
  clear(): void {
    this.#inflight.clear();
  }
}
