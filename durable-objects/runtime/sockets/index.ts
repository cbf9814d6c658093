/**
 * An actor's hibernatable WebSockets (server push): accept, list the open ones, broadcast,
 * close. Sockets accepted here survive the object's hibernation and eviction; the platform
 * wakes the actor for their messages and closes (`webSocketMessage` / `webSocketClose`).
 */
export class Sockets {
  readonly #ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** Accepts a new hibernatable socket (optionally tagged) and answers the `101` response to return. */
  accept(tags: string[] = []): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.#ctx.acceptWebSocket(server, tags);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The open sockets (with `tag`), hibernated ones included; closing ones are left out. */
  open(tag?: string): WebSocket[] {
    return this.#ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /** Sends `message` as JSON to every open socket (with `tag`); answers how many got it. */
  broadcast(message: unknown, tag?: string): number {
    const text = JSON.stringify(message);
    const open = this.open(tag);
    for (const ws of open) ws.send(text);
    return open.length;
  }

  /**
   * Closes every open socket (with `tag`). `code` 1000 or 3000–4999: 1005 and 1006 are
   * reserved and may not be sent (RFC 6455 §7.4.1), which `close` would throw for.
   */
  closeAll(code: number, reason: string, tag?: string): void {
    for (const ws of this.open(tag)) ws.close(code, reason);
  }
}
