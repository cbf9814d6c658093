import { ok, read, ServiceActor, Sockets, write } from "../runtime";
import type { SessionRecord } from "./protocol";
import { endedSession, noSession, presenceRefusal, sessionView, startedSession } from "./record";
import { sessionsService } from "./service";

/**
 * What a committed change tells the presence sockets: the stored session's view (`announce`)
 * and whether they close, noted with the session in memory when noted. Noted by the write,
 * delivered by `onCommitted`, so a change that is rolled back (a crash after the handler, a
 * failed commit) tells nobody anything.
 */
interface Announcement {
  readonly session: SessionRecord | null;
  readonly announce: boolean;
  readonly close: string | null;
}

/** One user's session, one actor per user: start or refresh, end, presence; expires when idle. */
export class SessionActor extends ServiceActor<Cloudflare.Env, typeof sessionsService> {
  protected readonly definition = sessionsService;
  readonly #sockets = new Sockets(this.ctx);
  #session: SessionRecord | null = null;
  #announcement: Announcement | null = null;

  protected override onStart(): void {
    this.#session = this.ctx.storage.kv.get<SessionRecord>("session") ?? null;
    this.#announcement = null; // noted by an incarnation whose writes were rolled back
  }

  protected readonly commands = {
    start: write(({ device }: { device: string }, cx) => {
      const active = this.#active();
      return ok({ created: !active, session: this.#save(startedSession(active, device, cx.now)) });
    }),
    get: read(() => (this.#session ? ok(this.#view()) : noSession())),
    end: write((_: null, cx) => (this.#session ? ok(this.#end("ended", cx.now)) : noSession())),
  };

  protected override onIdle = () => void (this.#active() && this.#end("expired", Date.now()));
  protected override onSocketClose = () => void (this.#sockets.open().length && this.#view(true));

  /**
   * The change committed: its sockets hear of it now. A note whose session is no longer the
   * one in memory came from an incarnation that crashed (its writes undone) and is dropped.
   */
  protected override onCommitted(): void {
    const note = this.#announcement;
    this.#announcement = null;
    if (note === null || note.session !== this.#session) return;
    if (note.announce) this.#view(true);
    if (note.close !== null) this.#sockets.closeAll(1000, note.close);
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
    this.#announcement = { session, announce: true, close: null };
    return this.#view();
  }

  /** Ends the active session, if any: once committed, the sockets get its last view, then close. */
  #end(status: "ended" | "expired", at: number) {
    const active = this.#active();
    if (active) this.#save(endedSession(active, status, at, this.lastActiveAt));
    this.#announcement = {
      session: this.#session,
      announce: active !== null,
      close: `session ${status}`,
    };
    return this.#view();
  }
}
