import { age, badge, h, render, unavailable } from "./dom.mjs";

/**
 * The notification delivery log (`GET /v1/ops/notifications`): newest first, each with its
 * webhook id, alarm, attempts, outcome and the receiver's last status code.
 *
 * @typedef {{ id: string, type: string, alarmId: string, attempts: number, status: string, lastStatusCode: number | null, lastAttemptAt: string | null }} Delivery
 */
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
    const deliveries = Array.isArray(panel.data)
      ? panel.data
      : (panel.data.deliveries ?? panel.data.items ?? []);
    if (deliveries.length === 0) {
      render(
        this.#body,
        h("p", { class: "muted" }, "No notifications sent yet (is NOTIFY_WEBHOOK_URL set?)."),
      );
      return;
    }
    const now = Date.now();
    render(
      this.#body,
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
                  h("td", {}, d.alarmId),
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
}
