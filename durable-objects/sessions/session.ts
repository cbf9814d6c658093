import { fail, ok, read, ServiceActor, Sockets, write } from "../runtime";
import type { SessionRecord } from "./protocol";
import { sessionsService } from "./service";
import { endedSession, presenceRefusal, sessionView, startedSession } from "./session-record";

const noSession = () => fail("not-found", "the user has no session");

/** One user's session, one actor per user: start or refresh, end, presence; expires when idle. */
export class SessionActor extends ServiceActor<Cloudflare.Env, typeof sessionsService> {
  protected readonly definition = sessionsService;
  readonly #sockets = new Sockets(this.ctx);
  #session: SessionRecord | null = null;

  protected override onStart(): void {
    this.#session = this.ctx.storage.kv.get<SessionRecord>("session") ?? null;
  }

  protected readonly commands = {
    start: write(({ device }: { device: string }, cx) => {
      const active = this.#active();
      return ok({ created: !active, session: this.#save(startedSession(active, device, cx.now)) });
    }),
    get: read(() => (this.#session ? ok(this.#view()) : noSession())),
    end: write((_: null, cx) => (this.#session ? ok(this.#end("ended", cx.now)) : noSession())),
    announce: read(() => ok(this.#view(true))),
  };

  protected override onIdle = () => void (this.#active() && this.#end("expired", Date.now()));

  protected override onRequest(): Response {
    const open = this.#sockets.open().length;
    const refused = presenceRefusal(this.#active(), open, this.settings.maxConnections);
    if (refused) return Response.json(refused, { status: 409 });
    const response = this.#sockets.accept();
    this.#view(true); // presence changed
    return response;
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await super.webSocketClose(ws, code, reason);
    if (this.#sockets.open().length > 0) await this.call("announce", null); // presence changed
  }

  #active = () => (this.#session?.status === "active" ? this.#session : null);

  /** The session as clients see it; with `announce`, also sent to every presence socket. */
  #view(announce = false) {
    const live = { lastActiveAt: this.lastActiveAt, connections: this.#sockets.open().length };
    const view = sessionView(this.name, this.#session as SessionRecord, this.idleTimeoutMs(), live);
    if (announce) this.#sockets.broadcast({ type: "presence", ...view });
    return view;
  }

  /** Stores `session`; every presence socket hears of the change. */
  #save(session: SessionRecord) {
    this.ctx.storage.kv.put("session", session);
    this.#session = session;
    return this.#view(true);
  }

  /** Ends the active session, if any: the sockets get its last view, then close. */
  #end(status: "ended" | "expired", at: number) {
    const active = this.#active();
    if (active) this.#save(endedSession(active, status, at, this.lastActiveAt));
    this.#sockets.closeAll(1000, `session ${status}`);
    return this.#view();
  }
}
