import { h, render, unavailable } from "./dom.mjs";

/**
 * Shard load as a heat map: one table per service, a column per shard, rows for commands in
 * flight, commands waiting for admission, and refusals for load over the last 10 s. A cell's
 * shade grows with its value against the service's limit (or the hottest shard, for
 * refusals), so a hot shard shows at a glance; every cell keeps its number for reading.
 *
 * @typedef {{ index: number, name: string, status: string, inFlight: number, queued: number, limit: number | null, refusals: number, incarnation: number }} ShardHeat
 */

const RECENT_MS = 10_000;

export class HeatMapPanel {
  #body;
  /** @type {any} */
  #panel = null;
  /** Refusal counts seen per shard, to turn cumulative counts into "last 10 s". @type {Map<string, Array<{ at: number, refusals: number, incarnation: number }>>} */
  #history = new Map();

  /** @param {Element} body */
  constructor(body) {
    this.#body = body;
  }

  /** @param {{ state: string, data?: any, status?: number, detail?: string }} panel */
  update(panel) {
    this.#panel = panel;
    if (panel.state === "ok") {
      const now = Date.now();
      for (const shards of Object.values(panel.data.services)) {
        for (const shard of /** @type {ShardHeat[]} */ (shards)) this.#remember(shard, now);
      }
    }
    this.draw();
  }

  /** Redraws with the current time (recent refusals fade out even without new data). */
  draw() {
    const panel = this.#panel;
    if (panel === null) return;
    if (panel.state !== "ok") {
      render(this.#body, unavailable(panel, "Shard load"));
      return;
    }
    const now = Date.now();
    render(
      this.#body,
      h(
        "p",
        { class: "help" },
        "Shade: in flight and queued against the shard's admission limit; refusals against the hottest shard. Hatched: stopped.",
      ),
      Object.entries(panel.data.services).map(([service, shards]) =>
        this.#table(service, shards, now),
      ),
    );
  }

  /**
   * @param {ShardHeat} shard
   * @param {number} now
   */
  #remember(shard, now) {
    const seen = this.#history.get(shard.name) ?? [];
    seen.push({ at: now, refusals: shard.refusals, incarnation: shard.incarnation });
    while (seen.length > 1 && (seen[1]?.at ?? now) <= now - RECENT_MS) seen.shift();
    this.#history.set(shard.name, seen);
  }

  /**
   * @param {ShardHeat} shard
   * @param {number} now
   */
  #recentRefusals(shard, now) {
    const seen = this.#history.get(shard.name) ?? [];
    const older = seen.filter((s) => s.at <= now - RECENT_MS).at(-1);
    const baseline = older ?? seen[0];
    if (!baseline) return 0;
    const start = baseline.incarnation === shard.incarnation ? baseline.refusals : 0;
    return Math.max(0, shard.refusals - start);
  }

  /**
   * @param {string} service
   * @param {ShardHeat[]} shards
   * @param {number} now
   */
  #table(service, shards, now) {
    const recent = shards.map((shard) => this.#recentRefusals(shard, now));
    const hottest = Math.max(1, ...recent);
    /** @type {Array<[string, (shard: ShardHeat, i: number) => number, (shard: ShardHeat, i: number) => number]>} */
    const rows = [
      ["in flight", (s) => s.inFlight, (s) => s.inFlight / (s.limit || 1)],
      ["queued", (s) => s.queued, (s) => s.queued / (s.limit || 1)],
      ["refused 10 s", (_s, i) => recent[i] ?? 0, (_s, i) => (recent[i] ?? 0) / hottest],
    ];
    return h(
      "div",
      { class: "heat-scroll" },
      h(
        "table",
        { class: "heat", "data-service": service },
        h("caption", {}, service),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "shard"),
            shards.map((s) => h("th", { scope: "col", title: s.name }, s.index)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map(([label, value, share]) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, label),
              shards.map((shard, i) =>
                h(
                  "td",
                  {
                    class:
                      shard.status === "stopped" || shard.status === "unreachable"
                        ? "heat-off"
                        : "",
                    style: `--heat: ${Math.min(1, share(shard, i)).toFixed(2)}`,
                    title: `${shard.name} (${shard.status}): ${label} ${value(shard, i)}`,
                  },
                  value(shard, i),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
