import { Admission, type AdmissionOptions } from "../../core/regulation";
import { type Failure, fail, type LoadReport, RuntimeCodes } from "./result";

/** A granted admission; `release` must be called once the command is done. */
export type Ticket = { readonly ok: true; readonly release: () => void };

const FREE: Ticket = { ok: true, release: () => {} };

/**
 * An actor's admission control, created lazily from its options (none: unregulated), and
 * speaking the runtime's language: a refusal is an `overloaded` (or `deadline-exceeded`)
 * failure with the regulator's numbers and a `Retry-After` hint.
 */
export class AdmissionGate {
  readonly #options: () => AdmissionOptions | null;
  readonly #name: string;
  #admission: Admission | null | undefined;

  constructor(name: string, options: () => AdmissionOptions | null) {
    this.#name = name;
    this.#options = options;
  }

  get #regulator(): Admission | null {
    if (this.#admission === undefined) {
      const options = this.#options();
      this.#admission = options ? new Admission(options) : null;
    }
    return this.#admission;
  }

  /** A ticket for one command, waiting (bounded) for a slot and a token. */
  async acquire(deadline: number | undefined): Promise<Ticket | { ok: false; refusal: Failure }> {
    const regulator = this.#regulator;
    if (!regulator) return FREE;
    const admitted = await regulator.acquire(deadline === undefined ? {} : { deadline });
    if (admitted.ok) return admitted;
    const code =
      admitted.reason === "deadline" ? RuntimeCodes.deadlineExceeded : RuntimeCodes.overloaded;
    return {
      ok: false,
      refusal: fail(code, `${this.#name}: ${admitted.detail}`, {
        retryAfterMs: admitted.retryAfterMs,
      }),
    };
  }

  /**
   * A ticket right now if admission would grant one at once (unregulated, or a slot and a
   * token free with nobody waiting), else `null`: then `acquire` waits or refuses.
   */
  admitNow(): Ticket | null {
    const regulator = this.#regulator;
    return regulator ? regulator.admitNow() : FREE;
  }

  /** A ticket that skips regulation (intake, operators' reserved share). */
  free(): Ticket {
    return FREE;
  }

  /** The load the actor reports with every answer (`null` when unregulated). */
  load(): LoadReport | null {
    if (!this.#admission) return null;
    const s = this.#admission.snapshot();
    return { inFlight: s.inFlight, queued: s.queued, limit: s.limit };
  }
}
