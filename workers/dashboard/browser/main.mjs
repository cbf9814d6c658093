import { AlarmsPanel } from "./alarms-panel.mjs";
import { AdminApi, describeFailure } from "./api.mjs";
import { ChartsPanel } from "./charts-panel.mjs";
import { HeatMapPanel } from "./heat-map-panel.mjs";
import { LiveChannel } from "./live-channel.mjs";
import { NotificationsPanel } from "./notifications-panel.mjs";
import { forgetToken, readToken, saveToken } from "./token.mjs";
import { TreePanel } from "./tree-panel.mjs";

/**
 * The page's wiring: the token form, the live channel, and the panels it feeds. Nothing
 * operational is drawn before the server accepted the token.
 */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};

/** @param {string} id */
const panelBody = (id) => byId(id).querySelector(".panel-body") ?? byId(id);

const form = /** @type {HTMLFormElement} */ (byId("token-form"));
const input = /** @type {HTMLInputElement} */ (byId("token"));
const tokenError = byId("token-error");
const dashboard = byId("dashboard");
const connection = byId("connection");
const signOut = byId("sign-out");

/** @type {LiveChannel | null} */
let channel = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let clock;

/**
 * @param {string} state
 * @param {string} text
 */
function showConnection(state, text) {
  connection.dataset.state = state;
  connection.textContent = text;
}

/** @param {string} message */
function showSignedOut(message) {
  channel?.stop();
  channel = null;
  clearInterval(clock);
  dashboard.hidden = true;
  for (const body of dashboard.querySelectorAll(".panel-body")) body.replaceChildren();
  form.hidden = false;
  signOut.hidden = true;
  tokenError.hidden = message === "";
  tokenError.textContent = message;
  showConnection("signed-out", "Signed out");
}

/** @param {string} token */
function open(token) {
  // A channel still trying (its server refusing, the form still shown) ends here: sign-out
  // and a 401 stop only the current one, and an old one must not show an old token's data.
  channel?.stop();
  const api = new AdminApi(token);
  /** @param {Promise<import("./api.mjs").Answer>} call */
  const outcome = async (call) => {
    const answer = await call;
    return answer.ok ? null : describeFailure(answer);
  };
  const panels = {
    supervision: new TreePanel(panelBody("tree"), (service) =>
      outcome(api.restartService(service)),
    ),
    shards: new HeatMapPanel(panelBody("heat")),
    alarms: new AlarmsPanel(panelBody("alarms"), {
      acknowledge: (id, note) => outcome(api.acknowledgeAlarm(id, note)),
      clear: (id) => outcome(api.clearAlarm(id)),
    }),
    notifications: new NotificationsPanel(panelBody("notifications")),
    chart: new ChartsPanel(panelBody("charts")),
  };
  channel = new LiveChannel({
    url: "/v1/ops/live",
    token,
    onEvent: ({ event, data }) => {
      const panel = panels[/** @type {keyof typeof panels} */ (event)];
      if (panel) panel.update(JSON.parse(data));
    },
    onState: (state) => {
      if (state.kind === "unauthorized") {
        forgetToken();
        showSignedOut(
          "That admin token was refused (401 unauthorized). Check ADMIN_TOKEN (locally in .dev.vars) and try again.",
        );
      } else if (state.kind === "live") {
        form.hidden = true;
        tokenError.hidden = true;
        dashboard.hidden = false;
        signOut.hidden = false;
        showConnection("live", "Live");
      } else if (state.kind === "connecting") {
        showConnection("connecting", "Connecting…");
      } else if (state.kind === "reconnecting") {
        const seconds = (state.retryInMs / 1000).toFixed(1);
        showConnection(
          "reconnecting",
          `Reconnecting in ${seconds} s (attempt ${state.attempt}: ${state.reason})`,
        );
      }
    },
  });
  clearInterval(clock);
  clock = setInterval(() => {
    panels.alarms.draw();
    panels.shards.draw();
    panels.notifications.draw();
  }, 1000);
  channel.start();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = input.value.trim();
  input.value = "";
  if (token === "") return;
  saveToken(token);
  tokenError.hidden = true;
  open(token);
});

signOut.addEventListener("click", () => {
  forgetToken();
  showSignedOut("");
  input.focus();
});

const saved = readToken();
if (saved) open(saved);
