import type { CallMeta, SagaContext } from "./commands";
import type { Result } from "./result";
import { RuntimeTables } from "./runtime-tables";

/** Thrown inside a saga step whose actor crashed meanwhile: that incarnation's work is over. */
export class StaleIncarnation extends Error {}

/**
 * A saga that failed after at least one of its steps committed. Its `cause` is the crash;
 * the actor still crashes on it, but the caller must not hear "nothing happened": part of
 * the work is durable and resumes from storage (its timer).
 */
export class SagaInterrupted extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Steps each saga context committed (kept off the public `SagaContext` type). */
const committedSteps = new WeakMap<SagaContext, number>();

/**
 * Runs saga commands: each `cx.step` is one storage transaction, a step of an incarnation
 * that has since crashed is refused (its durable progress resumes through a timer), and
 * concurrent duplicates of a keyed saga (same key, same fingerprint) wait for the first and
 * get its answer. The same key with another fingerprint runs on its own, so the saga's
 * first step can refuse it as a reused key.
 */
export class SagaRunner {
  readonly #tables: RuntimeTables;
  readonly #incarnation: () => number;
  readonly #inflight = new Map<string, Promise<Result<unknown>>>();
  readonly #afterStep: () => void;

  /** `afterStep` runs after every committed step (the actor re-arms its alarm there). */
  constructor(storage: DurableObjectStorage, incarnation: () => number, afterStep: () => void) {
    this.#tables = RuntimeTables.of(storage);
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
    const cx = this.context(key, crashAtStep);
    const promise = saga(payload, cx)
      .catch((error: unknown) => {
        throw committedSteps.get(cx) ? new SagaInterrupted(error) : error;
      })
      .finally(() => {
        if (slot !== undefined && this.#inflight.get(slot) === promise) this.#inflight.delete(slot);
      });
    if (slot !== undefined) this.#inflight.set(slot, promise);
    return promise;
  }

  /** A context whose steps belong to the current incarnation; `crashAtStep` injects a fault. */
  context(key: string | undefined, crashAtStep: number | null = null): SagaContext {
    const incarnation = this.#incarnation();
    let steps = 0;
    const cx: SagaContext = {
      now: Date.now(),
      idempotencyKey: key,
      step: <T>(fn: () => T): T => {
        if (incarnation !== this.#incarnation()) {
          throw new StaleIncarnation(
            `restarted; abandoning the work of incarnation ${incarnation}`,
          );
        }
        steps += 1;
        const value = this.#tables.transaction(() => {
          this.#tables.prepare();
          const result = fn();
          if (steps === crashAtStep) throw new Error(`injected crash at step ${steps}`);
          return result;
        });
        committedSteps.set(cx, steps);
        this.#afterStep();
        return value;
      },
    };
    return cx;
  }

  /** A crash ends every saga of the incarnation: nobody may join them any more. */
  clear(): void {
    this.#inflight.clear();
  }
}
