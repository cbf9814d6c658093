import { ok, read, ServiceActor, Sockets, write } from "../runtime";
import type { SessionRecord } from "./protocol";
import { endedSession, noSession, presenceRefusal, sessionView, startedSession } from "./record";
import { sessionsService } from "./service";

/** One user's session, one actor per user: start or refresh, end, presence; expires when idle. */
export class SessionActor extends ServiceActor<Cloudflare.Env, typeof sessionsService> {
  protected readonly definition = sessionsService;
  readonly #sockets = new Sockets(this.ctx);
  #session: SessionRecord | null = null;
  /**
   * A write changed the session: its sockets hear of it once it commits (`onCommitted`),
   * so a change that is rolled back (a crash after the handler, a failed commit) tells
   * nobody anything.
   */
  #changed = false;

  protected override onStart(): void {
    this.#session = this.ctx.storage.kv.get<SessionRecord>("session") ?? null;
  }

  protected readonly commands = {
    start: write(({ device }: { device: string }, cx) => {
      const active = this.#active();
      return ok({ created: !active, session: this.#save(startedSession(active, device, cx.now)) });
    }),
    get: read(() => (this.#session ? ok(this.#view()) : noSession())),
    // A user who never had a session (or whose was erased) is answered without storage.
    end: write((_: null, cx) => (this.#session ? ok(this.#end("ended", cx.now)) : noSession()), {
      ifNeverWritten: noSession,
    }),
  };

  protected override onIdle = () => void (this.#active() && this.#end("expired", Date.now()));
  protected override onSocketClose = () => void (this.#sockets.open().length && this.#view(true));

  /**
   * A change committed: the sockets get the session as it stands, and close when it is no
   * longer active. Told what is in memory, never what a write meant to do: after a crash
   * (the flag set by a write that was rolled back) that is what storage holds, so nobody
   * hears of a change that did not happen, and the sockets of an ended session always close.
   */
  protected override onCommitted(): void {
    if (!this.#changed) return;
    this.#changed = false;
    const session = this.#session;
    if (session === null) return;
    this.#view(true);
    if (session.status !== "active") this.#sockets.closeAll(1000, `session ${session.status}`);
  }

  /** A socket refused (no active session, or its limit reached) is not the user's activity. */
  protected override refuseRequest(): Response | null {
    const refused = presenceRefusal(this.#active(), this.#sockets.open(), this.settings);
    return refused ? Response.json(refused, { status: 409 }) : null;
  }

  protected override onRequest(): Response {
    const response = this.#sockets.accept();
    this.#view(true); // presence changed
    return response;
  }

  #active = () => (this.#session?.status === "active" ? this.#session : null);

  /** The session as clients see it; with `announce`, also sent to every presence socket. */
  #view(announce = false) {
    const live = { lastActiveAt: this.lastActiveAt, connections: this.#sockets.open().length };
    const view = sessionView(this.name, this.#session as SessionRecord, this.idleTimeoutMs(), live);
    if (announce) this.#sockets.broadcast({ type: "presence", ...view });
    return view;
  }

  /** Stores `session`; every presence socket hears of it once the write commits. */
  #save(session: SessionRecord) {
    this.ctx.storage.kv.put("session", session);
    this.#session = session;
    this.#changed = true;
    return this.#view();
  }

  /** Ends the active session, if any: once committed, the sockets get its last view, then close. */
  #end(status: "ended" | "expired", at: number) {
    const active = this.#active();
    if (active) this.#save(endedSession(active, status, at, this.lastActiveAt));
    else this.#changed = true; // already over: any socket still open closes
    return this.#view();
  }
}
