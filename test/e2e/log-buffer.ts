const DEFAULT_LIMIT_CHARS = 256 * 1024;
// CSI and OSC escape sequences: wrangler colours its output even when it is not a TTY.
const ANSI_ESCAPES = new RegExp(
  `${String.fromCharCode(27)}(?:\\[[0-9;?]*[A-Za-z]|\\][^${String.fromCharCode(7)}]*${String.fromCharCode(7)})`,
  "g",
);

/**
 * The tail of a child process's output, kept for error messages. Bounded, so a chatty
 * server running for a whole test file cannot grow the test process without limit.
 */
export class LogBuffer {
  #text = "";
  readonly #limit: number;

  /** `limitChars` defaults to 256 KiB; older output is dropped first. */
  constructor(limitChars = DEFAULT_LIMIT_CHARS) {
    this.#limit = limitChars;
  }

  append(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > this.#limit) this.#text = this.#text.slice(-this.#limit);
  }

  /** The kept output without colour codes. */
  text(): string {
    return this.#text.replace(ANSI_ESCAPES, "");
  }
}
