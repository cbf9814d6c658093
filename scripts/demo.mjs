#!/usr/bin/env node
/**
 * `npm run demo [-- --url URL] [-- --token TOKEN] [-- --pace MS]`: a small flash sale played
 * against a running Bulwark (`npm start -- --faults` in another terminal), at a human pace,
 * printing what happens: seeding, a burst of holds and orders, a crash loop that takes the
 * inventory service down, the recovery, an overload shed to the queue, and the final stock.
 * Watch it on the dashboard (`/dashboard`) or with `node scripts/watch-events.mjs tee-red`.
 *
 * Defaults: URL http://127.0.0.1:${PORT:-8787}; the admin token from $ADMIN_TOKEN or
 * `.dev.vars`; a pause of 1500 ms between acts. Exits 1 with a message when the server is not
 * there; without fault injection it plays everything but the faults and says how to see them.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { root } from "./prepare.mjs";

const { values } = parseArgs({
  options: { url: { type: "string" }, token: { type: "string" }, pace: { type: "string" } },
});
const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/$/, "");
const pace = Number(values.pace ?? 1500);
const run = Date.now().toString(36);

function adminToken() {
  if (values.token) return values.token;
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const devVars = join(root, ".dev.vars");
  const line = existsSync(devVars)
    ? readFileSync(devVars, "utf8").match(/^ADMIN_TOKEN=(.*)$/m)
    : null;
  return line?.[1]?.trim();
}
const token = adminToken();

const pause = (ms = pace) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (text) => console.log(text);
const act = async (title) => {
  await pause();
  say(`\n== ${title}`);
};

/** One request; answers `{ status, body, headers }` and never throws for an HTTP status. */
async function call(method, path, { body, admin = false, headers = {} } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(admin ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers };
}

/** "201 ×12, 409 ×3" for a list of answers. */
function tally(answers) {
  const counts = new Map();
  for (const { status, body } of answers) {
    const label = body?.code ? `${status} ${body.code}` : `${status} ${body?.status ?? ""}`.trim();
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${label} ×${n}`).join(", ");
}

const stock = async (sku) => {
  const { body } = await call("GET", `/v1/skus/${sku}`);
  return `${sku}: stock ${body.stock}, available ${body.available}, held ${body.held}, sold ${body.sold}`;
};

async function waitFinal(orderIds, budgetMs) {
  const until = Date.now() + budgetMs;
  for (;;) {
    const views = await Promise.all(orderIds.map((id) => call("GET", `/v1/orders/${id}`)));
    const open = views.filter((v) => !["confirmed", "rejected"].includes(v.body.status));
    if (open.length === 0 || Date.now() > until) return views;
    await pause(500);
  }
}

async function preflight() {
  try {
    await call("GET", "/healthz");
  } catch {
    say(`Nothing answers at ${base}. Start the server first: npm start -- --faults`);
    process.exit(1);
  }
  if (!token || (await call("GET", "/v1/ops/supervision", { admin: true })).status === 401) {
    say(
      "The admin token was refused: pass --token, set ADMIN_TOKEN, or keep .dev.vars as npm start made it.",
    );
    process.exit(1);
  }
  const faults = (await call("DELETE", "/v1/ops/faults", { admin: true })).status === 200;
  if (!faults)
    say(
      "Fault injection is off: the crash loop and overload acts are skipped. Restart with `npm start -- --faults` to see them.",
    );
  return faults;
}

async function seed() {
  await act("Seeding the sale");
  const skus = { tee: `tee-${run}`, mug: `mug-${run}` };
  for (const [sku, units] of [
    [skus.tee, 100],
    [skus.mug, 30],
  ]) {
    const r = await call("PUT", `/v1/skus/${sku}`, { body: { stock: units }, admin: true });
    say(`PUT /v1/skus/${sku} {"stock":${units}} → ${r.status}`);
  }
  say(`Dashboard: ${base}/dashboard    API reference: ${base}/docs`);
  say(
    `Live events: node scripts/watch-events.mjs ${skus.tee}${base.endsWith(":8787") ? "" : ` ${base}`}`,
  );
  return skus;
}

async function burst({ tee, mug }) {
  await act("A burst: 40 shoppers hold a tee, 20 order a tee and a mug, all at once");
  const holds = Array.from({ length: 40 }, () =>
    call("POST", `/v1/skus/${tee}/holds`, { body: { quantity: 1, ttlSeconds: 120 } }),
  );
  const orders = Array.from({ length: 20 }, (_, i) =>
    call("POST", "/v1/orders", {
      headers: { "Idempotency-Key": `demo-${run}-burst-${i}` },
      body: {
        items: [
          { sku: tee, quantity: 1 },
          { sku: mug, quantity: 1 },
        ],
      },
    }),
  );
  const [held, ordered] = [await Promise.all(holds), await Promise.all(orders)];
  say(`holds:  ${tally(held)}`);
  say(`orders: ${tally(ordered)}`);
  const active = held.filter((r) => r.status === 201).map((r) => r.body.holdId);
  const half = Math.floor(active.length / 2);
  const confirmed = await Promise.all(
    active.slice(0, half).map((id) => call("POST", `/v1/skus/${tee}/holds/${id}/confirm`)),
  );
  const released = await Promise.all(
    active.slice(half).map((id) => call("DELETE", `/v1/skus/${tee}/holds/${id}`)),
  );
  say(
    `half the holds confirmed (${tally(confirmed)}), the other half released (${tally(released)})`,
  );
  say(await stock(tee));
  say(await stock(mug));
}

async function crashLoop({ tee }) {
  await act("A crash loop: every inventory shard crashes on its next write");
  const skus = Array.from({ length: 16 }, (_, i) => `crash-${run}-${i}`);
  for (const sku of skus) await call("PUT", `/v1/skus/${sku}`, { body: { stock: 5 }, admin: true });
  await call("POST", "/v1/ops/faults", {
    admin: true,
    body: { service: "inventory", kind: "crash" },
  });
  const answers = [];
  for (const sku of skus)
    answers.push(await call("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } }));
  say(`16 holds on 16 skus: ${tally(answers)}`);
  await call("DELETE", "/v1/ops/faults", { admin: true });
  const ready = await call("GET", "/readyz");
  say(`/readyz → ${ready.status} ${JSON.stringify(ready.body)}`);
  const refused = await call("POST", `/v1/skus/${tee}/holds`, { body: { quantity: 1 } });
  say(
    `a hold now → ${refused.status} ${refused.body.code ?? ""} (Retry-After ${refused.headers.get("retry-after")}): refused fast, not hung`,
  );
  const pending = await call("POST", "/v1/orders", {
    headers: { "Idempotency-Key": `demo-${run}-during-outage` },
    body: { items: [{ sku: tee, quantity: 1 }] },
  });
  say(
    `an order now → ${pending.status} ${pending.body.status ?? pending.body.code}: it waits for inventory`,
  );
  return pending.body.orderId;
}

async function recover(orderId) {
  await act(
    "Recovery: an operator restarts inventory (the minute cron would too, after DOWN_RECOVERY_MS)",
  );
  const restarted = await call("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
  say(`POST /v1/ops/supervision/inventory/restart → ${restarted.status} ${restarted.body.status}`);
  say(`/readyz → ${(await call("GET", "/readyz")).status}`);
  if (orderId) {
    const [view] = await waitFinal([orderId], 30_000);
    say(`the order placed during the outage → ${view.body.status}`);
  }
}

async function overload({ tee }) {
  await act("An overload: the orders shards refuse new work; shoppers who accept 202 are queued");
  await call("POST", "/v1/ops/faults", {
    admin: true,
    body: { service: "orders", kind: "overload", count: 1 },
  });
  const keys = Array.from({ length: 10 }, (_, i) => `demo-${run}-rush-${i}`);
  const answers = await Promise.all(
    keys.map((key, i) =>
      call("POST", "/v1/orders", {
        headers: { "Idempotency-Key": key, ...(i % 2 === 0 ? { Prefer: "respond-async" } : {}) },
        body: { items: [{ sku: tee, quantity: 1 }] },
      }),
    ),
  );
  say(`10 orders (half with Prefer: respond-async): ${tally(answers)}`);
  const queued = answers.filter((r) => r.status === 202).map((r) => r.body.orderId);
  if (queued.length > 0) {
    const views = await waitFinal(queued, 60_000);
    say(`the queued ones, drained at a regulated pace: ${tally(views)}`);
  }
  await call("DELETE", "/v1/ops/faults", { admin: true });
}

async function main() {
  say(`Bulwark demo against ${base}`);
  const faults = await preflight();
  const skus = await seed();
  await burst(skus);
  if (faults) {
    const orderId = await crashLoop(skus);
    await recover(orderId);
    await overload(skus);
  }
  await act("Where the sale ended");
  say(await stock(skus.tee));
  say(await stock(skus.mug));
  say(`\nDone. Dashboard: ${base}/dashboard`);
}

main().catch((error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
