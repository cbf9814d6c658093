import { parseExposition, type Scrape } from "../../core/scrape";

/**
 * What one panel shows: the endpoint's answer, "not available" (the endpoint answers 404: a
 * deployment without that feature yet, so the page says so instead of breaking), or an error
 * with the status and the problem's detail.
 */
export type PanelData =
  | { readonly state: "ok"; readonly data: unknown }
  | { readonly state: "unavailable"; readonly status: number; readonly detail: string }
  | { readonly state: "error"; readonly status: number; readonly detail: string };

/** Sends a request through the edge app itself (no network hop, same middleware). */
export type Dispatch = (request: Request) => Promise<Response>;

/**
 * Reads the HTTP contract's own endpoints with the caller's credentials, so the dashboard
 * shows exactly what `GET /v1/ops/...` and `GET /metrics` answer, with no second bookkeeping.
 */
export class ContractReader {
  readonly #dispatch: Dispatch;
  readonly #origin: string;
  readonly #headers: Readonly<Record<string, string>>;

  /** `headers` go on every read: the caller's `authorization`, and its request id. */
  constructor(dispatch: Dispatch, origin: string, headers: Readonly<Record<string, string>>) {
    this.#dispatch = dispatch;
    this.#origin = origin;
    this.#headers = headers;
  }

  async #get(path: string, accept: string): Promise<Response> {
    const headers = { ...this.#headers, accept };
    return this.#dispatch(new Request(new URL(path, this.#origin), { headers }));
  }

  /** A JSON endpoint as a panel. */
  async panel(path: string): Promise<PanelData> {
    try {
      const response = await this.#get(path, "application/json");
      if (response.ok) return { state: "ok", data: await response.json() };
      return failed(response);
    } catch (error) {
      return { state: "error", status: 0, detail: (error as Error).message };
    }
  }

  /** One scrape of `/metrics` (Prometheus text), or why there is none. */
  async scrape(now: () => number): Promise<Scrape | PanelData> {
    try {
      const response = await this.#get("/metrics", "text/plain");
      if (!response.ok) return failed(response);
      return parseExposition(await response.text(), now());
    } catch (error) {
      return { state: "error", status: 0, detail: (error as Error).message };
    }
  }
}

async function failed(response: Response): Promise<PanelData> {
  const text = await response.text();
  let detail = text.slice(0, 300);
  try {
    const problem = JSON.parse(text) as { detail?: unknown };
    if (typeof problem.detail === "string") detail = problem.detail;
  } catch {
    // not a problem+json body: keep the text
  }
  const state = response.status === 404 ? "unavailable" : "error";
  return { state, status: response.status, detail };
}
