import { age, badge, h, render, unavailable } from "./dom.mjs";

/**
 * Alarms as `GET /v1/ops/alarms` answers them: a per-severity summary, the active alarms
 * (most severe first, oldest first within a severity) with their age, acknowledgement and
 * actions, and the recent history below. Acknowledging asks for an optional note in a modal
 * dialog (outside the live-updated list, so an update never eats what the operator types).
 *
 * @typedef {{ by: string, at: string, note?: string } | null} Ack
 * @typedef {{ id: string, name: string, source: string, severity: string, description: string, probableCause: string, repairAction: string, raisedAt: string, updatedAt: string, acknowledged: Ack }} Alarm
 * @typedef {{ seq: number, at: string, alarmId: string, name: string, source: string, severity: string, event: string, detail?: string }} AlarmEvent
 * @typedef {{ ok: boolean, status: number, body: any }} Answer
 */

const SEVERITY_ORDER = ["critical", "major", "minor", "warning"];
/**
 * Alarms that follow a live condition and clear when it ends (the page's `#condition-alarms`,
 * from the server's catalog): every other alarm an operator may clear, as the API allows.
 * @returns {Set<string>}
 */
function conditionAlarms() {
  const listed = document.getElementById("condition-alarms")?.textContent;
  return new Set(listed ? JSON.parse(listed) : []);
}

export class AlarmsPanel {
  #body;
  #dialog;
  #api;
  /** @type {any} */
  #panel = null;
  /** @type {string} */
  #message = "";
  #conditions = conditionAlarms();

  /**
   * @param {Element} body
   * @param {{ acknowledge: (id: string, note: string) => Promise<string | null>, clear: (id: string) => Promise<string | null> }} api
   */
  constructor(body, api) {
    this.#body = body;
    this.#api = api;
    this.#dialog = this.#buildDialog();
    document.body.append(this.#dialog);
  }

  /** @param {{ state: string, data?: any, status?: number, detail?: string }} panel */
  update(panel) {
    this.#panel = panel;
    this.draw();
  }

  /** Redraws (ages move on every second). */
  draw() {
    const panel = this.#panel;
    if (panel === null) return;
    if (panel.state !== "ok") {
      render(this.#body, unavailable(panel, "Alarms"));
      return;
    }
    const now = Date.now();
    /** @type {Alarm[]} */
    const active = [...panel.data.active].sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
        Date.parse(a.raisedAt) - Date.parse(b.raisedAt),
    );
    render(
      this.#body,
      this.#summary(panel.data.summary ?? {}),
      this.#message ? h("p", { class: "error", role: "alert" }, this.#message) : null,
      active.length === 0
        ? h("p", { class: "muted", "data-empty": "alarms" }, "No active alarms.")
        : h(
            "ul",
            { class: "alarms" },
            active.map((alarm) => this.#alarm(alarm, now)),
          ),
      h("h3", {}, "Recent history"),
      this.#history(panel.data.history ?? [], now),
    );
  }

  /** @param {Record<string, { new: number, acknowledged: number }>} summary */
  #summary(summary) {
    return h(
      "p",
      { class: "summary" },
      SEVERITY_ORDER.map((severity) => {
        const counts = summary[severity] ?? { new: 0, acknowledged: 0 };
        return h(
          "span",
          { class: `summary-item sev-${severity}` },
          `${severity} ${counts.new} new, ${counts.acknowledged} acked`,
        );
      }),
    );
  }

  /**
   * @param {Alarm} alarm
   * @param {number} now
   */
  #alarm(alarm, now) {
    const ack = alarm.acknowledged;
    return h(
      "li",
      {
        class: `alarm sev-${alarm.severity}`,
        "data-alarm": alarm.name,
        "data-source": alarm.source,
      },
      h(
        "div",
        { class: "alarm-head" },
        badge(alarm.severity),
        h("strong", {}, alarm.name),
        h("span", { class: "alarm-source" }, alarm.source),
        h("span", { class: "muted" }, `raised ${age(alarm.raisedAt, now)} ago`),
      ),
      h("p", {}, alarm.description),
      h("p", { class: "muted" }, `Cause: ${alarm.probableCause} · Repair: ${alarm.repairAction}`),
      ack
        ? h(
            "p",
            { class: "acked" },
            `Acknowledged by ${ack.by} ${age(ack.at, now)} ago${ack.note ? `: “${ack.note}”` : ""}`,
          )
        : null,
      h(
        "div",
        { class: "actions" },
        ack
          ? null
          : h(
              "button",
              {
                type: "button",
                "data-key": `ack-${alarm.id}`,
                onclick: () => this.#openAck(alarm),
              },
              "Acknowledge…",
            ),
        !this.#conditions.has(alarm.name)
          ? h(
              "button",
              {
                type: "button",
                "data-key": `clear-${alarm.id}`,
                onclick: () => this.#clear(alarm),
              },
              "Clear",
            )
          : null,
      ),
    );
  }

  /**
   * @param {AlarmEvent[]} history
   * @param {number} now
   */
  #history(history, now) {
    if (history.length === 0) return h("p", { class: "muted" }, "Nothing happened yet.");
    return h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "history" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "when", "event", "alarm", "source", "severity"].map((t) =>
              h("th", { scope: "col" }, t),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          history
            .slice(0, 30)
            .map((e) =>
              h(
                "tr",
                { "data-event": e.event, "data-alarm": e.name },
                h("td", {}, e.seq),
                h("td", { title: e.at }, `${age(e.at, now)} ago`),
                h(
                  "td",
                  {},
                  e.event,
                  e.detail ? h("span", { class: "muted" }, ` ${e.detail}`) : null,
                ),
                h("td", {}, e.name),
                h("td", {}, e.source),
                h("td", {}, badge(e.severity)),
              ),
            ),
        ),
      ),
    );
  }

  #buildDialog() {
    const note = h("textarea", { id: "ack-note", name: "note", maxlength: 500, rows: 3 });
    const dialog = h(
      "dialog",
      { id: "ack-dialog", "aria-labelledby": "ack-title" },
      h(
        "form",
        { method: "dialog" },
        h("h3", { id: "ack-title" }, "Acknowledge alarm"),
        h("p", { id: "ack-what" }),
        h("label", { for: "ack-note" }, "Note (optional, up to 500 characters)"),
        note,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", value: "ack" }, "Acknowledge"),
          h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel"),
        ),
      ),
    );
    return /** @type {HTMLDialogElement} */ (dialog);
  }

  /** @param {Alarm} alarm */
  #openAck(alarm) {
    const dialog = this.#dialog;
    const what = dialog.querySelector("#ack-what");
    if (what) what.textContent = `${alarm.name} on ${alarm.source}`;
    const note = /** @type {HTMLTextAreaElement} */ (dialog.querySelector("#ack-note"));
    note.value = "";
    dialog.returnValue = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ack") return;
      const error = await this.#api.acknowledge(alarm.id, note.value.trim());
      this.#message = error ? `Acknowledge failed: ${error}` : "";
      this.draw();
    };
    dialog.showModal();
    note.focus();
  }

  /** @param {Alarm} alarm */
  async #clear(alarm) {
    const error = await this.#api.clear(alarm.id);
    this.#message = error ? `Clear failed: ${error}` : "";
    this.draw();
  }
}
