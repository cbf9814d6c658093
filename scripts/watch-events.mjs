#!/usr/bin/env node
/**
 * `node scripts/watch-events.mjs <sku> [base-url]`: prints the live stock events of a sku
 * (`GET /v1/skus/{sku}/events`, a WebSocket) one line each, until Ctrl-C. Uses the
 * project's own `ws` package, so it works offline; the base URL defaults to
 * http://127.0.0.1:${PORT:-8787} (`npm start`).
 */
import WebSocket from "ws";

const [sku, base = `http://127.0.0.1:${process.env.PORT ?? 8787}`] = process.argv.slice(2);
if (!sku) {
  console.error("usage: node scripts/watch-events.mjs <sku> [base-url]");
  process.exit(2);
}
const url = `${base.replace(/^http/, "ws")}/v1/skus/${encodeURIComponent(sku)}/events`;
const socket = new WebSocket(url);
socket.on("open", () => console.log(`listening on ${url} (Ctrl-C to stop)`));
socket.on("message", (data) => {
  const event = JSON.parse(String(data));
  const { type, stock, available, held, sold, version } = event;
  console.log(
    `${new Date().toISOString()} ${type} ${sku}: stock ${stock}, available ${available}, held ${held}, sold ${sold} (v${version})`,
  );
});
socket.on("unexpected-response", (_request, response) => {
  console.error(
    `${url} answered ${response.statusCode}${response.statusCode === 404 ? ": no such sku" : ""}`,
  );
  process.exit(1);
});
socket.on("error", (error) => {
  console.error(`cannot watch ${url}: ${error.message} (is \`npm start\` running?)`);
  process.exit(1);
});
socket.on("close", () => process.exit(0));
