import { Actor, entityPartition, fail, ok, read, Sockets, write } from "../runtime";
import { type SessionRecord, type SessionsProtocol, sessionSettings } from "./protocol";
import { endedSession, presenceRefusal, sessionView, startedSession } from "./session-record";

const noSession = () => fail("not-found", "the user has no session");

/** One user's session, one actor per user: start or refresh, end, presence; expires when idle. */
export class SessionActor extends Actor<Cloudflare.Env, SessionsProtocol> {
  protected readonly service = "sessions";
  readonly #settings = sessionSettings(this.env);
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
    end: write((_: null, cx) =>
      this.#session ? ok(this.#end("ended", cx.now) ?? this.#view()) : noSession(),
    ),
    announce: read(() => ok(this.#announce())),
  };

  protected override idleTimeoutMs = () => this.#settings.idleTimeoutMs;
  protected override onIdle = () => void this.#end("expired", Date.now());

  protected override onRequest(): Response {
    const open = this.#sockets.open().length;
    const refused = presenceRefusal(this.#active(), open, this.#settings.maxConnections);
    if (refused) return Response.json(refused, { status: 409 });
    const response = this.#sockets.accept();
    this.#announce(); // presence changed
    return response;
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await super.webSocketClose(ws, code, reason);
    if (this.#sockets.open().length > 0) await this.call("announce", null); // presence changed
  }

  protected override supervision() {
    const partition = entityPartition(this.service, this.name, this.#settings.partitions);
    const supervisor = this.env.SUPERVISOR.get(this.env.SUPERVISOR.idFromName(partition));
    return { supervisor, childId: this.name };
  }

  #active = () => (this.#session?.status === "active" ? this.#session : null);
  #view = () => {
    const live = {
      ...this.#settings,
      lastActiveAt: this.lastActiveAt,
      connections: this.#sockets.open().length,
    };
    return sessionView(this.name, this.#session as SessionRecord, live);
  };

  /** Stores `session`; every presence socket hears of the change. */
  #save(session: SessionRecord) {
    this.ctx.storage.kv.put("session", session);
    this.#session = session;
    return this.#announce();
  }

  /** Ends the active session (else `null`): the sockets get its last view, then close. */
  #end(status: "ended" | "expired", at: number) {
    const active = this.#active();
    const view = active && this.#save(endedSession(active, status, at, this.lastActiveAt));
    if (view) this.#sockets.closeAll(1000, `session ${status}`);
    return view;
  }

  #announce() {
    const view = this.#view();
    this.#sockets.broadcast({ type: "presence", ...view });
    return view;
  }
}
