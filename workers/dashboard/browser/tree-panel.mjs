import { age, badge, h, render, unavailable } from "./dom.mjs";

/**
 * The supervision tree, drawn like Erlang's observer: the root, one card per service (its
 * status under the root, its supervisor's flags and restart count, the last crash), and the
 * service's shards as small status chips. A service that is down gets a red card and a
 * Restart button (the admin restart of `POST /v1/ops/supervision/{service}/restart`).
 *
 * @typedef {{ reason: string, at: string } | null} Crash
 * @typedef {{ id: string, status: string, restarts: number, lastCrash: Crash, supervisor?: SupervisorView }} ChildView
 * @typedef {{ id: string, strategy: string, intensity: number, periodMs: number, status: string, reason: string | null, children: ChildView[] }} SupervisorView
 */

export class TreePanel {
  #body;
  #onRestart;
  /** @type {Map<string, string>} */
  #messages = new Map();
  /** @type {any} */
  #last = null;

  /**
   * @param {Element} body
   * @param {(service: string) => Promise<string | null>} onRestart resolves to an error message, or null
   */
  constructor(body, onRestart) {
    this.#body = body;
    this.#onRestart = onRestart;
  }

  /** @param {{ state: string, data?: any, status?: number, detail?: string }} panel */
  update(panel) {
    this.#last = panel;
    if (panel.state !== "ok") {
      render(this.#body, unavailable(panel, "The supervision tree"));
      return;
    }
    /** @type {SupervisorView} */
    const root = panel.data;
    const now = Date.now();
    render(
      this.#body,
      h(
        "div",
        { class: "tree-root" },
        h("span", { class: "node-name" }, root.id),
        " ",
        badge(root.status),
        h(
          "span",
          { class: "muted" },
          ` ${root.strategy}, intensity ${root.intensity} per ${root.periodMs} ms`,
        ),
      ),
      h(
        "ul",
        { class: "services" },
        root.children.map((child) => this.#service(child, now)),
      ),
    );
  }

  /**
   * @param {ChildView} child
   * @param {number} now
   */
  #service(child, now) {
    const supervisor = child.supervisor;
    const shards = supervisor?.children ?? [];
    const shardRestarts = shards.reduce((sum, shard) => sum + shard.restarts, 0);
    const down = child.status === "down" || supervisor?.status === "stopped";
    const crash = [child.lastCrash, ...shards.map((s) => s.lastCrash)]
      .filter((c) => c !== null)
      .sort((a, b) => (a && b ? Date.parse(b.at) - Date.parse(a.at) : 0))[0];
    const message = this.#messages.get(child.id);
    return h(
      "li",
      { class: `service${down ? " service-down" : ""}`, "data-service": child.id },
      h(
        "div",
        { class: "service-head" },
        h("span", { class: "node-name" }, child.id),
        badge(child.status),
        supervisor && supervisor.status !== child.status ? badge(supervisor.status) : null,
        h(
          "span",
          { class: "muted" },
          supervisor
            ? `${supervisor.strategy}, ${supervisor.intensity}/${supervisor.periodMs} ms`
            : "",
        ),
        down
          ? h(
              "button",
              {
                type: "button",
                class: "danger",
                "data-key": `restart-${child.id}`,
                onclick: () => this.#restart(child.id),
              },
              `Restart ${child.id}`,
            )
          : null,
      ),
      h(
        "p",
        { class: "service-facts" },
        `service restarts ${child.restarts} · shard restarts ${shardRestarts}`,
        supervisor?.reason ? ` · ${supervisor.reason}` : "",
      ),
      crash
        ? h("p", { class: "crash" }, `last crash ${age(crash.at, now)} ago: ${crash.reason}`)
        : null,
      message ? h("p", { class: "error", role: "alert" }, message) : null,
      h(
        "ul",
        { class: "shards", "aria-label": `${child.id} shards` },
        shards.map((shard) =>
          h(
            "li",
            {
              class: `shard badge-${shard.status}`,
              title: shard.lastCrash ? `${shard.id}: ${shard.lastCrash.reason}` : shard.id,
            },
            h("span", { class: "shard-id" }, shard.id.replace(`${child.id}-`, "#")),
            h("span", { class: "shard-status" }, shard.status),
            shard.restarts > 0
              ? h("span", { class: "shard-restarts" }, `↻${shard.restarts}`)
              : null,
          ),
        ),
      ),
    );
  }

  /** @param {string} service */
  async #restart(service) {
    const button = this.#body.querySelector(`[data-key="restart-${service}"]`);
    if (button instanceof HTMLButtonElement) {
      button.disabled = true;
      button.textContent = `Restarting ${service}…`;
    }
    const error = await this.#onRestart(service);
    if (error) this.#messages.set(service, `Restart failed: ${error}`);
    else this.#messages.delete(service);
    if (this.#last) this.update(this.#last);
  }
}
