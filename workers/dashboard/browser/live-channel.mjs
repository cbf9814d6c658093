/**
 * The dashboard's live channel: `GET /v1/ops/live` (Server-Sent Events) read with a streamed
 * `fetch`, because `EventSource` and `WebSocket` cannot send an `Authorization` header and the
 * token must never travel in a URL. When the stream ends or stalls, it reconnects by itself
 * with exponential backoff and jitter, and reports each state so the page can show it.
 */

/**
 * @typedef {{ kind: "connecting" }
 *   | { kind: "live" }
 *   | { kind: "reconnecting", attempt: number, retryInMs: number, reason: string }
 *   | { kind: "unauthorized" }
 *   | { kind: "stopped" }} ChannelState
 * @typedef {{ event: string, data: string }} SseEvent
 */

/** Splits a text/event-stream into events (the parts of the format the server uses). */
export class SseParser {
  #buffer = "";
  /** A chunk's trailing CR, held back: the LF of its CRLF may start the next chunk. */
  #carry = "";

  /**
   * @param {string} chunk
   * @returns {SseEvent[]}
   */
  push(chunk) {
    let text = this.#carry + chunk;
    this.#carry = text.endsWith("\r") ? "\r" : "";
    if (this.#carry) text = text.slice(0, -1);
    this.#buffer += text.replace(/\r\n?/g, "\n");
    /** @type {SseEvent[]} */
    const events = [];
    let end = this.#buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join("\n") });
      end = this.#buffer.indexOf("\n\n");
    }
    return events;
  }
}

/** Reconnect delays: exponential from `baseMs` up to `capMs`, each with half of it jittered. */
const BACKOFF = { baseMs: 500, capMs: 10_000 };
/** Before the server's `hello` says its tick, assume a stream is dead after this long. */
const FIRST_DATA_TIMEOUT_MS = 10_000;

/**
 * @param {number} attempt 1 for the first retry
 * @param {() => number} random
 */
export function reconnectDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Why the server refused the stream, in its own words (a problem's `detail`, e.g. too many
 * failed token attempts), for the "Reconnecting" line.
 * @param {Response} response
 */
async function refusal(response) {
  try {
    const problem = await response.json();
    if (typeof problem.detail === "string") return `${response.status}: ${problem.detail}`;
  } catch {
    // not a problem+json body
  }
  return `answered ${response.status}`;
}

export class LiveChannel {
  #url;
  #token;
  #onEvent;
  #onState;
  #stopped = false;
  /** @type {AbortController | null} */
  #abort = null;

  /**
   * @param {{ url: string, token: string, onEvent: (event: SseEvent) => void, onState: (state: ChannelState) => void }} options
   */
  constructor({ url, token, onEvent, onState }) {
    this.#url = url;
    this.#token = token;
    this.#onEvent = onEvent;
    this.#onState = onState;
  }

  /** Connects and keeps reconnecting until `stop()` or a 401. */
  async start() {
    let attempt = 0;
    this.#onState({ kind: "connecting" });
    while (!this.#stopped) {
      const outcome = await this.#connectOnce();
      if (this.#stopped) break;
      if (outcome.unauthorized) {
        this.#onState({ kind: "unauthorized" });
        return;
      }
      attempt = outcome.receivedData ? 1 : attempt + 1;
      const retryInMs = reconnectDelay(attempt);
      this.#onState({ kind: "reconnecting", attempt, retryInMs, reason: outcome.reason });
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
    this.#onState({ kind: "stopped" });
  }

  stop() {
    this.#stopped = true;
    this.#abort?.abort();
  }

  /** @returns {Promise<{ unauthorized: boolean, receivedData: boolean, reason: string }>} */
  async #connectOnce() {
    const abort = new AbortController();
    this.#abort = abort;
    let receivedData = false;
    let silenceMs = FIRST_DATA_TIMEOUT_MS;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let watchdog;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(new Error("no data")), silenceMs);
    };
    try {
      arm();
      const response = await fetch(this.#url, {
        headers: { authorization: `Bearer ${this.#token}`, accept: "text/event-stream" },
        cache: "no-store",
        signal: abort.signal,
      });
      if (response.status === 401) return { unauthorized: true, receivedData, reason: "401" };
      if (!response.ok || !response.body) {
        return { unauthorized: false, receivedData, reason: await refusal(response) };
      }
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      while (true) {
        const { done, value } = await reader.read();
        if (done) return { unauthorized: false, receivedData, reason: "stream ended" };
        for (const event of parser.push(value)) {
          if (event.event === "hello") {
            silenceMs = 3 * JSON.parse(event.data).tickMs + 2000;
            receivedData = true;
            this.#onState({ kind: "live" });
          }
          this.#onEvent(event);
        }
        arm();
      }
    } catch {
      const reason = abort.signal.aborted ? "no data from the server" : "connection lost";
      return { unauthorized: false, receivedData, reason };
    } finally {
      clearTimeout(watchdog);
      abort.abort();
    }
  }
}
