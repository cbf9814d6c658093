import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { ALARMS } from "../../core/alarms";
import { ASSET_BASE } from "./assets";

/**
 * The browser resolves the page's bare `import uPlot from "uplot"` through this import map,
 * so the client modules read like ordinary ES modules and type-check against uPlot's types.
 */
export const IMPORT_MAP = JSON.stringify({ imports: { uplot: `${ASSET_BASE}/uplot.mjs` } });

/**
 * Alarms that follow a live condition and clear when it ends: the API refuses an operator's
 * clear of these (`409 manual-clear-not-allowed`) and allows it for every other alarm, so
 * the alarm panel offers its Clear button by the same rule, read from the catalog.
 */
export const CONDITION_ALARMS = JSON.stringify(
  Object.entries(ALARMS)
    .filter(([, definition]) => definition.kind === "condition")
    .map(([name]) => name),
);

const panel = (id: string, title: string, body: HtmlEscapedString | string = "") => html`
  <section class="panel" id="${id}" aria-labelledby="${id}-title">
    <h2 id="${id}-title">${title}</h2>
    <div class="panel-body" data-panel="${id}">${body}</div>
  </section>`;

/**
 * The dashboard's HTML shell. It holds no operational data: everything operational arrives
 * over the authenticated live channel once an operator has typed the admin token, so the
 * page itself is safe to serve without auth.
 */
export function dashboardShell(): Promise<HtmlEscapedString> | HtmlEscapedString {
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>Bulwark operations</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${ASSET_BASE}/uplot.css">
  <link rel="stylesheet" href="${ASSET_BASE}/dashboard.css">
  <script type="importmap">${raw(IMPORT_MAP)}</script>
  <script type="application/json" id="condition-alarms">${raw(CONDITION_ALARMS)}</script>
  <script type="module" src="${ASSET_BASE}/main.mjs"></script>
</head>
<body>
  <header class="top">
    <h1>Bulwark operations</h1>
    <p id="connection" class="connection" role="status" aria-live="polite" data-state="signed-out">Signed out</p>
    <button type="button" id="sign-out" hidden>Sign out</button>
  </header>
  <form id="token-form" class="token-form" autocomplete="off">
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" required spellcheck="false" autocomplete="off"
      aria-describedby="token-help token-error">
    <button type="submit">Open dashboard</button>
    <p id="token-help" class="help">The <code>ADMIN_TOKEN</code> of this deployment (locally: <code>.dev.vars</code>). Kept in this tab's session storage only.</p>
    <p id="token-error" class="error" role="alert" hidden></p>
  </form>
  <main id="dashboard" hidden>
    ${panel("alarms", "Alarms")}
    ${panel("tree", "Supervision tree")}
    ${panel("heat", "Shard load")}
    ${panel("charts", "Traffic")}
    ${panel("notifications", "Notification deliveries")}
  </main>
</body>
</html>`;
}
