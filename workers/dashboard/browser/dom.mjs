/**
 * Small DOM helpers for the dashboard's panels. Text always goes in as text nodes (never
 * `innerHTML`), so an alarm description or crash reason cannot inject markup.
 */

/**
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Attributes
 */

/**
 * Creates an element: `on*` attributes become listeners, `true` a bare attribute, and
 * `false`/`null`/`undefined` leave the attribute out.
 * @param {string} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined)
      element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

/**
 * Replaces a panel's content and gives focus back to the element with the same `data-key`
 * the user was on, so a live update never throws a keyboard user out of the page.
 * @param {Element} container
 * @param {...(Child | Child[])} children
 */
export function render(container, ...children) {
  const active = document.activeElement;
  const key =
    active instanceof HTMLElement && container.contains(active) ? active.dataset.key : undefined;
  const fragment = h("div", {}, ...children);
  container.replaceChildren(...Array.from(fragment.childNodes));
  if (key === undefined) return;
  const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again instanceof HTMLElement) again.focus();
}

/**
 * How long ago `iso` was, in the largest whole unit ("42 s", "3 min", "2 h", "5 d").
 * @param {string | number} iso
 * @param {number} now
 */
export function age(iso, now) {
  const seconds = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/**
 * A panel's placeholder when its endpoint has nothing to show (not deployed yet, or failing).
 * @param {{ state: string, status?: number, detail?: string }} panel
 * @param {string} what
 */
export function unavailable(panel, what) {
  if (panel.state === "unavailable") {
    return h(
      "p",
      { class: "muted" },
      `${what} not available yet on this deployment (${panel.status}).`,
    );
  }
  return h(
    "p",
    { class: "error" },
    `${what} could not be read: ${panel.status || ""} ${panel.detail ?? ""}`,
  );
}

/**
 * A coloured status badge; the colour comes from the class, the word stays for
 * colour-blind readers and screen readers.
 * @param {string} status
 */
export function badge(status) {
  return h("span", { class: `badge badge-${status}` }, status);
}
