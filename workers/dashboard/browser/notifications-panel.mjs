import { age, badge, h, render, unavailable } from "./dom.mjs";

/**
 * The notification delivery log (`GET /v1/ops/notifications`): newest first, each with its
 * webhook id, alarm, attempts, outcome and the receiver's last status code.
 *
 * @typedef {{ id: string, type: string, alarmId: string, attempts: number, status: string, lastStatusCode: number | null, lastAttemptAt: string | null }} Delivery
 */
/**
 * `stock-depleted (tee-red)` for the id `stock-depleted.dGVlLXJlZA`: alarm ids are the name,
 * a dot and the base64url of the source; anything else is shown as it is.
 * @param {string} id
 */
export function alarmLabel(id) {
  const match = /^([a-z][a-z0-9-]*)\.([A-Za-z0-9_-]*)$/.exec(id);
  if (!match) return id;
  try {
    const base64 = (match[2] ?? "").replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return `${match[1]} (${new TextDecoder().decode(bytes)})`;
  } catch {
    return id;
  }
}

export class NotificationsPanel {
  #body;
  /** @type {any} */
  #panel = null;

  /** @param {Element} body */
  constructor(body) {
    this.#body = body;
  }

  /** @param {{ state: string, data?: any, status?: number, detail?: string }} panel */
  update(panel) {
    this.#panel = panel;
    this.draw();
  }

  draw() {
    const panel = this.#panel;
    if (panel === null) return;
    if (panel.state !== "ok") {
      render(this.#body, unavailable(panel, "Notifications"));
      return;
    }
    /** @type {Delivery[]} */
    const deliveries = Array.isArray(panel.data) ? panel.data : (panel.data.deliveries ?? []);
    const endpoint = this.#endpoint(panel.data.endpoint);
    if (deliveries.length === 0) {
      render(this.#body, endpoint, h("p", { class: "muted" }, "No notifications sent yet."));
      return;
    }
    const now = Date.now();
    render(
      this.#body,
      endpoint,
      h(
        "div",
        { class: "table-scroll" },
        h(
          "table",
          { class: "deliveries" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["when", "type", "alarm", "attempts", "status", "receiver"].map((t) =>
                h("th", { scope: "col" }, t),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            deliveries
              .slice(0, 30)
              .map((d) =>
                h(
                  "tr",
                  { title: d.id },
                  h("td", {}, d.lastAttemptAt ? `${age(d.lastAttemptAt, now)} ago` : "—"),
                  h("td", {}, d.type),
                  h("td", { title: d.alarmId }, alarmLabel(d.alarmId)),
                  h("td", {}, d.attempts),
                  h("td", {}, badge(d.status)),
                  h("td", {}, d.lastStatusCode ?? "—"),
                ),
              ),
          ),
        ),
      ),
    );
  }

  /**
   * Whether webhooks go anywhere: `off` (no NOTIFY_WEBHOOK_URL), `on`, or `invalid` (a
   * configuration error, never an unsigned send).
   * @param {{ state: string, error: string | null } | undefined} endpoint
   */
  #endpoint(endpoint) {
    if (!endpoint) return null;
    if (endpoint.state === "invalid") {
      return h(
        "p",
        { class: "error" },
        `Webhook configuration is invalid: ${endpoint.error ?? ""}`,
      );
    }
    if (endpoint.state === "off") {
      return h("p", { class: "muted" }, "Webhooks are off (NOTIFY_WEBHOOK_URL is not set).");
    }
    return h("p", { class: "muted" }, "Webhooks are on.");
  }
}
