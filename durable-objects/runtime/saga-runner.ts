import type { CallMeta, SagaContext } from "./commands";
import type { Result } from "./result";

/** Thrown inside a saga step whose actor crashed meanwhile: that incarnation's work is over. */
export class StaleIncarnation extends Error {}

/**
 * Runs saga commands: each `cx.step` is one storage transaction, a step of an incarnation
 * that has since crashed is refused (its durable progress resumes through a timer), and
 * concurrent duplicates of a keyed saga (same key, same fingerprint) wait for the first and
 * get its answer. The same key with another fingerprint runs on its own, so the saga's
 * first step can refuse it as a reused key.
 */
export class SagaRunner {
  readonly #storage: DurableObjectStorage;
  readonly #incarnation: () => number;
  readonly #inflight = new Map<string, Promise<Result<unknown>>>();
  readonly #afterStep: () => void;

  /** `afterStep` runs after every committed step (the actor re-arms its alarm there). */
  constructor(storage: DurableObjectStorage, incarnation: () => number, afterStep: () => void) {
    this.#storage = storage;
    this.#incarnation = incarnation;
    this.#afterStep = afterStep;
  }

  run(
    saga: (payload: unknown, cx: SagaContext) => Promise<Result<unknown>>,
    payload: unknown,
    meta: CallMeta,
    crashAtStep: number | null,
  ): Promise<Result<unknown>> {
    const key = meta.idempotencyKey;
    const slot = key === undefined ? undefined : `${key}\n${meta.fingerprint ?? ""}`;
    const running = slot === undefined ? undefined : this.#inflight.get(slot);
    if (running) return running;
    const promise = saga(payload, this.context(key, crashAtStep)).finally(() => {
      if (slot !== undefined && this.#inflight.get(slot) === promise) this.#inflight.delete(slot);
    });
    if (slot !== undefined) this.#inflight.set(slot, promise);
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
        const value = this.#storage.transactionSync(() => {
          const result = fn();
          if (steps === crashAtStep) throw new Error(`injected crash at step ${steps}`);
          return result;
        });
        this.#afterStep();
        return value;
      },
    };
  }

  /** A crash ends every saga of the incarnation: nobody may join them any more. */
  clear(): void {
    this.#inflight.clear();
  }
}
