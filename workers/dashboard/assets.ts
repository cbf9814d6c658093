import uplot from "uplot/dist/uPlot.esm.js";
import uplotCss from "uplot/dist/uPlot.min.css";
import alarms from "./browser/alarms-panel.mjs";
import api from "./browser/api.mjs";
import charts from "./browser/charts-panel.mjs";
import css from "./browser/dashboard.css";
import dom from "./browser/dom.mjs";
import heat from "./browser/heat-map-panel.mjs";
import live from "./browser/live-channel.mjs";
import main from "./browser/main.mjs";
import notifications from "./browser/notifications-panel.mjs";
import token from "./browser/token.mjs";
import tree from "./browser/tree-panel.mjs";

/** Where the page's scripts and styles are served. */
export const ASSET_BASE = "/dashboard/assets";

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/**
 * The page's static files, bundled into the Worker as Text modules (the `[[rules]]` in
 * wrangler.toml), uPlot straight from `node_modules`: no build step, no CDN, and the same
 * bundle under `wrangler dev`, `wrangler deploy` and the vitest pool.
 */
export const ASSETS: Readonly<Record<string, { readonly body: string; readonly type: string }>> = {
  "main.mjs": { body: main, type: JS },
  "api.mjs": { body: api, type: JS },
  "dom.mjs": { body: dom, type: JS },
  "token.mjs": { body: token, type: JS },
  "live-channel.mjs": { body: live, type: JS },
  "tree-panel.mjs": { body: tree, type: JS },
  "heat-map-panel.mjs": { body: heat, type: JS },
  "alarms-panel.mjs": { body: alarms, type: JS },
  "charts-panel.mjs": { body: charts, type: JS },
  "notifications-panel.mjs": { body: notifications, type: JS },
  "dashboard.css": { body: css, type: CSS },
  "uplot.mjs": { body: uplot, type: JS },
  "uplot.css": { body: uplotCss, type: CSS },
};
