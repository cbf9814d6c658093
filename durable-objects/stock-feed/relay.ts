import { DurableObject } from "cloudflare:workers";
import { logEvent } from "../../core/log";
import type { SkuView } from "../inventory/protocol";
import type { InventoryShard } from "../inventory/shard";
import { loadLimits } from "../limits/config";
import { ShardRouter } from "../routing";
import { clientTag, FEED_LIMITS_HEADER, feedLimitsFrom, refuseListener } from "./admission";
import { FanOut } from "./fan-out";

/** Headers in which the edge hands a listener to the relay. */
export const LISTENER_HEADERS = {
  sku: "X-Bulwark-Sku",
  client: "X-Bulwark-Client",
  /** The sku's `SkuView` as JSON, read from its shard just before the upgrade. */
  view: "X-Bulwark-View",
} as const;

/** What the relay answers a publish. */
export interface PublishAnswer {
  /** The view was newer than the newest the relay had (else it was dropped). */
  readonly taken: boolean;
  /** Nobody listens: the shard may stop publishing this sku until the relay wakes it. */
  readonly silent: boolean;
}

/** Storage key of the newest view published (kept across eviction, so stale ones drop). */
const LATEST = "latest";

const parseView = (text: string | null): SkuView | undefined => {
  try {
    const view = JSON.parse(text ?? "") as SkuView;
    return typeof view?.version === "number" ? view : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The live stock events of one sku (object name: the sku), apart from the inventory shard
 * that owns it, so listeners cost the shard one small `publish` per coalescing tick however
 * many there are. Holds the sku's hibernatable WebSockets, refuses listeners past the limits
 * (`EVENTS_MAX_PER_SKU` → `503 listeners-full`, `EVENTS_MAX_PER_CLIENT` per client on the sku
 * → `429 listener-limit`), greets each with the current view and fans every newer view out
 * (`FanOut`: newest wins, chunked, spaced). It keeps no business state: evicted, it forgets
 * nothing but the newest version, which it stores.
 */
export class StockFeedRelay extends DurableObject<Cloudflare.Env> {
  readonly #fanOut: FanOut;
  /**
   * Whether the shard may have been told `silent` and not woken since. Unknown after a start
   * (memory is lost on eviction), so the first listener after a start always wakes it.
   */
  #toldSilent = true;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#fanOut = new FanOut({
      sockets: () => ctx.getWebSockets(),
      later: (fn, ms) => setTimeout(fn, ms),
      now: () => Date.now(),
      load: () => ctx.storage.kv.get<SkuView>(LATEST),
      save: (view) => ctx.storage.kv.put(LATEST, view),
    });
  }

  /**
   * The shard's newest view of the sku; an older or equal version is dropped. `silent` when
   * no socket listens, so a sku nobody watches costs its shard nothing after one publish
   * (the listener count is read only when the last pass reached nobody: with 1,000 sockets,
   * listing them on every publish cost 2 % of the CPU). The shard never waits for the
   * answer; the fan-out runs after it, in its own tasks.
   */
  async publish(view: SkuView): Promise<PublishAnswer> {
    const taken = this.#fanOut.offer(view);
    const reached = this.#fanOut.reached() ?? 0;
    const silent = reached > 0 ? false : this.ctx.getWebSockets().length === 0;
    if (silent) this.#toldSilent = true;
    return { taken, silent };
  }

  /** The newest version this relay has taken (`null` before the first). */
  async latestVersion(): Promise<number | null> {
    return this.#fanOut.latest()?.version ?? null;
  }

  /**
   * WebSocket upgrade handed over by the edge (`LISTENER_HEADERS`): a refusal is a JSON body
   * with the contract's status, which the edge turns into problem+json before any upgrade.
   */
  override async fetch(request: Request): Promise<Response> {
    const sku = request.headers.get(LISTENER_HEADERS.sku) ?? "";
    const client = request.headers.get(LISTENER_HEADERS.client) ?? "unknown";
    const view = parseView(request.headers.get(LISTENER_HEADERS.view));
    if (!view || view.sku !== sku) return new Response("no view of the sku", { status: 400 });
    const limits = feedLimitsFrom(
      request.headers.get(FEED_LIMITS_HEADER),
      loadLimits(this.env).feed,
    );
    const counts = {
      onSku: this.ctx.getWebSockets().length,
      mine: this.ctx.getWebSockets(clientTag(client)).length,
    };
    const refusal = refuseListener(sku, client, counts, limits);
    if (refusal) return Response.json(refusal, { status: refusal.status });
    const { 0: socket, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [clientTag(client)]);
    this.#fanOut.welcome(server, view);
    if (this.#toldSilent) this.#wake(sku);
    return new Response(null, { status: 101, webSocket: socket });
  }

  /** Tells the sku's shard to publish it again (it may have stopped, hearing `silent`). */
  #wake(sku: string): void {
    this.#toldSilent = false;
    const router = new ShardRouter(this.env);
    const shard = router.stub(router.locate("inventory", sku)) as DurableObjectStub<InventoryShard>;
    const woken = shard.feedListening(sku).catch((error: unknown) => {
      this.#toldSilent = true; // the next listener tries again
      logEvent("warn", "stock-feed-wake-failed", {
        sku,
        message: error instanceof Error ? error.message : String(error),
      });
    });
    this.ctx.waitUntil(woken);
  }

  /** Server-push sockets: what clients send is ignored. */
  override async webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed (newer compatibility dates answer close frames themselves), or a code
      // such as 1005/1006 that may not be sent back: nothing left to do.
    }
  }
}
