/**
 * A WebSocket client for tests, on the `ws` package because Node 20 has no global
 * WebSocket (only behind `--experimental-websocket`).
 */
import type { IncomingMessage } from "node:http";
import WebSocket, { type RawData } from "ws";

/** An open socket whose incoming messages the test reads in order, as a queue. */
export interface EventSocket {
  /** Every message received so far, in arrival order: parsed JSON, or the text if not JSON. */
  messages: unknown[];
  /**
   * The first message not yet returned by `next`, waiting up to `timeoutMs` (default 5000)
   * for it. Rejects on timeout or if the socket closes first.
   */
  next(timeoutMs?: number): Promise<unknown>;
  close(): void;
}

/** The server answered the upgrade with plain HTTP instead of 101 (e.g. 404 for an unknown sku). */
export class SocketRefusedError extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string) {
    super(`WebSocket upgrade refused with HTTP ${status}: ${body.slice(0, 200)}`);
    this.name = "SocketRefusedError";
    this.status = status;
    this.body = body;
  }
}

const DEFAULT_NEXT_TIMEOUT_MS = 5_000;

/**
 * Opens a WebSocket to `url` (`http://` is turned into `ws://`). Resolves once it is open;
 * rejects with `SocketRefusedError` when the server answers the upgrade with another status.
 */
export function openSocket(url: string): Promise<EventSocket> {
  const socket = new WebSocket(url.replace(/^http/, "ws"));
  const queue = new MessageQueue();
  socket.on("message", (data, isBinary) => queue.push(decode(data, isBinary)));
  socket.on("close", (code) => queue.end(`socket closed (code ${code})`));
  return new Promise((resolve, reject) => {
    socket.once("open", () =>
      resolve({
        messages: queue.messages,
        next: (timeoutMs = DEFAULT_NEXT_TIMEOUT_MS) => queue.next(timeoutMs),
        close: () => socket.close(),
      }),
    );
    socket.once("error", reject);
    socket.once("unexpected-response", (request, response) => {
      readBody(response).then((body) => {
        request.destroy();
        reject(new SocketRefusedError(response.statusCode ?? 0, body));
      }, reject);
    });
  });
}

function decode(data: RawData, isBinary: boolean): unknown {
  const text = toBuffer(data).toString();
  if (isBinary) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(new Uint8Array(data));
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("end", () => resolve(Buffer.concat(chunks).toString()));
    response.on("error", reject);
  });
}

interface Waiter {
  resolve(message: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Messages in arrival order with a read cursor; `next` waits when the cursor is at the end. */
class MessageQueue {
  readonly messages: unknown[] = [];
  #cursor = 0;
  #waiters: Waiter[] = [];
  #endedBecause: string | undefined;

  push(message: unknown): void {
    this.messages.push(message);
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    this.#cursor += 1;
    waiter.resolve(message);
  }

  end(reason: string): void {
    this.#endedBecause = reason;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${reason} before the next message`));
    }
  }

  next(timeoutMs: number): Promise<unknown> {
    if (this.#cursor < this.messages.length) {
      const message = this.messages[this.#cursor];
      this.#cursor += 1;
      return Promise.resolve(message);
    }
    if (this.#endedBecause !== undefined) {
      return Promise.reject(new Error(`${this.#endedBecause} before the next message`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => this.#expire(waiter, timeoutMs), timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #expire(waiter: Waiter, timeoutMs: number): void {
    this.#waiters = this.#waiters.filter((w) => w !== waiter);
    const seen = JSON.stringify(this.messages).slice(0, 500);
    waiter.reject(new Error(`no message within ${timeoutMs} ms; received so far: ${seen}`));
  }
}
