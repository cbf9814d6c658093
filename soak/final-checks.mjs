/**
 * After faults stop: every accepted order reaches a final state within a bound (measured
 * from the moment `DELETE /v1/ops/faults` answered), every order refused with a 500 or 503
 * does not exist, and each sku's counters agree with what the client was answered: `held = 0`
 * once every hold has settled or expired, and `sold` between the units whose confirmation the
 * client saw (a confirm answered 200, an order seen `confirmed`) and that plus the units whose
 * confirmation had an unknown outcome (no answer or a 5xx, and never seen settled since).
 */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Units per sku the answers say were sold (`sure`) and may have been sold (`maybe`). */
export function soldBounds(ledger, skus) {
  const sure = new Map(skus.map((sku) => [sku, 0]));
  const maybe = new Map(skus.map((sku) => [sku, 0]));
  const add = (into, sku, n) => into.set(sku, (into.get(sku) ?? 0) + n);
  for (const h of ledger.holds.values()) {
    if (h.confirmed) add(sure, h.sku, h.quantity);
    else if (h.confirmUnknown && !h.released) add(maybe, h.sku, h.quantity);
  }
  for (const o of ledger.orders.values()) {
    if (o.seen.includes("confirmed")) {
      for (const item of o.items) add(sure, item.sku, item.quantity);
    } else if (
      !o.seen.includes("rejected") &&
      !o.absent &&
      (o.accepted || o.unknown || o.failed5xx)
    ) {
      for (const item of o.items) add(maybe, item.sku, item.quantity);
    }
  }
  return { sure, maybe };
}

export async function finalChecks({
  call,
  ledger,
  skus,
  stockOf,
  finalBoundMs,
  faultsClearedAt,
  loadStoppedAt,
  holdTtlMs,
  checkDurable,
  log,
}) {
  const pending = new Map([...ledger.orders].filter(([, o]) => o.accepted || o.unknown));
  const views = new Map();
  // At least one pass, however late it starts: a verdict on orders never read would be noise.
  for (let pass = 0; pass === 0 || Date.now() - faultsClearedAt < finalBoundMs; pass++) {
    for (const [key, o] of pending) {
      const r = await call("GET", `/v1/orders/${o.orderId}`);
      if (r.status === 404 && !o.accepted) {
        o.absent = true; // unknown outcome: never created
        pending.delete(key);
      }
      if (r.status !== 200) continue;
      ledger.orderSeen(key, r.json);
      if (r.json.status === "confirmed" || r.json.status === "rejected") {
        views.set(key, r.json);
        pending.delete(key);
      }
    }
    if (pending.size === 0) break;
    await sleep(500);
  }
  const finalMs = Date.now() - faultsClearedAt;
  ledger.check(
    "accepted-orders-final",
    pending.size === 0,
    () =>
      `${pending.size} accepted orders not final ${finalBoundMs} ms after faults were cleared: ${[
        ...pending.values(),
      ]
        .slice(0, 5)
        .map((o) => o.orderId)
        .join(", ")}`,
  );
  log(`orders final ${finalMs} ms after faults were cleared (${views.size} final)`);

  // Every acked hold and order read back once more (it also records each hold's status as
  // the server has it, for `sold-matches-records`).
  await checkDurable();

  for (const [key, o] of ledger.orders) {
    if (!o.refusedOnly || o.unknown || o.accepted) continue;
    const r = await call("GET", `/v1/orders/${o.orderId}`);
    if (r.status === 0) continue;
    if (r.status === 404) o.absent = true;
    if (r.status === 200) ledger.orderSeen(key, r.json);
    ledger.check(
      "refused-created-nothing",
      r.status === 404,
      () =>
        `order ${o.orderId} (key ${key}) was refused with 500/503 but exists (${r.json?.status})`,
    );
  }

  // Every client hold settles or expires within its ttl; wait that out.
  const waitMs = Math.max(0, holdTtlMs - (Date.now() - loadStoppedAt)) + 2000;
  await sleep(waitMs);
  const { sure, maybe } = soldBounds(ledger, skus);
  // What the server's own records add up to: the holds the final re-read found confirmed and
  // the orders seen confirmed (a cross-check of the server, not of its answers).
  const recorded = new Map(skus.map((sku) => [sku, 0]));
  let unread = 0;
  for (const h of ledger.holds.values()) {
    if (h.serverStatus === null) unread += 1;
    if (h.serverStatus === "confirmed") recorded.set(h.sku, recorded.get(h.sku) + h.quantity);
  }
  for (const o of ledger.orders.values()) {
    if (!o.seen.includes("confirmed")) continue;
    for (const item of o.items) recorded.set(item.sku, recorded.get(item.sku) + item.quantity);
  }
  const skuViews = [];
  for (const sku of skus) {
    const r = await call("GET", `/v1/skus/${sku}`);
    if (r.status !== 200) {
      ledger.check("counters-match-answers", false, () => `GET ${sku} answered ${r.status}`);
      continue;
    }
    const { stock, held, sold } = r.json;
    const low = sure.get(sku);
    const high = low + maybe.get(sku);
    skuViews.push({ ...r.json, low, high });
    ledger.checkView(r.json, "final");
    ledger.check(
      "counters-match-answers",
      stock === stockOf.get(sku) && held === 0,
      () =>
        `${sku}: stock ${stock} (set ${stockOf.get(sku)}), held ${held} after every hold settled or expired`,
    );
    ledger.check(
      "sold-within-answers",
      low <= sold && sold <= high,
      () =>
        `${sku}: sold ${sold}, but the client saw ${low} units confirmed and ${high - low} more with an unknown outcome`,
    );
    if (unread === 0) {
      ledger.check(
        "sold-matches-records",
        sold === recorded.get(sku),
        () =>
          `${sku}: sold ${sold}, its confirmed holds and the orders seen confirmed add up to ${recorded.get(sku)}`,
      );
    }
  }
  return { finalMs, skuViews };
}
