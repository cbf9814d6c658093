/** One Server-Sent Event with its JSON `data` parsed. */
export interface LiveEvent {
  readonly event: string;
  readonly data: unknown;
}

/**
 * Reads a `text/event-stream` body event by event (the subset the live channel writes:
 * `event:` and single-line `data:` fields), so tests can watch the stream as a browser does.
 */
export class EventStreamReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next event, or `null` once the server closed the stream. */
  async next(): Promise<LiveEvent | null> {
    while (true) {
      const end = this.#buffer.indexOf("\n\n");
      if (end !== -1) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const field = (name: string) =>
          block
            .split("\n")
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        return { event: field("event") ?? "message", data: JSON.parse(field("data") ?? "null") };
      }
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        return null;
      }
      this.#buffer += value;
    }
  }

  /** Reads until an event named `name` whose data satisfies `accept`; fails if the stream ends. */
  async until(name: string, accept: (data: unknown) => boolean = () => true): Promise<unknown> {
    while (true) {
      const event = await this.next();
      if (event === null) throw new Error(`the stream ended before a matching "${name}" event`);
      if (event.event === name && accept(event.data)) return event.data;
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}
