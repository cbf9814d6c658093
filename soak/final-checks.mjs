/**
 * After faults stop: every accepted order reaches a final state within a bound, every
 * order refused with a 500 or 503 does not exist, and each sku's counters equal what the
 * answered requests imply (sold = confirmed holds + confirmed orders; held = 0 once every
 * hold has settled or expired).
 */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function finalChecks({ call, ledger, skus, stock, finalBoundMs, holdTtlMs, log }) {
  const started = Date.now();
  const pending = new Map([...ledger.orders].filter(([, o]) => o.accepted || o.unknown));
  const views = new Map();
  while (Date.now() - started < finalBoundMs) {
    for (const [key, o] of pending) {
      const r = await call("GET", `/v1/orders/${o.orderId}`);
      if (r.status === 404 && !o.accepted) pending.delete(key); // unknown outcome: never created
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
  const finalMs = Date.now() - started;
  ledger.check(
    "accepted-orders-final",
    pending.size === 0,
    () =>
      `${pending.size} accepted orders not final ${finalBoundMs} ms after faults stopped: ${[
        ...pending.values(),
      ]
        .slice(0, 5)
        .map((o) => o.orderId)
        .join(", ")}`,
  );
  log(`orders final ${finalMs} ms after faults stopped (${views.size} final)`);

  for (const [key, o] of ledger.orders) {
    if (!o.refusedOnly || o.unknown || o.accepted) continue;
    const r = await call("GET", `/v1/orders/${o.orderId}`);
    if (r.status === 0) continue;
    ledger.check(
      "refused-created-nothing",
      r.status === 404,
      () =>
        `order ${o.orderId} (key ${key}) was refused with 500/503 but exists (${r.json?.status})`,
    );
  }

  // Every client hold settles or expires within its ttl; wait that out, then resolve them.
  const waitMs = Math.max(0, holdTtlMs - (Date.now() - started)) + 2000;
  await sleep(waitMs);
  const expected = new Map(skus.map((sku) => [sku, 0]));
  for (const [holdId, h] of ledger.holds) {
    const r = await call("GET", `/v1/skus/${h.sku}/holds/${holdId}`);
    if (r.status === 200 && r.json.status === "confirmed") {
      expected.set(h.sku, (expected.get(h.sku) ?? 0) + h.quantity);
    }
  }
  for (const view of views.values()) {
    if (view.status !== "confirmed") continue;
    for (const item of view.items)
      expected.set(item.sku, (expected.get(item.sku) ?? 0) + item.quantity);
  }
  const skuViews = [];
  for (const sku of skus) {
    const r = await call("GET", `/v1/skus/${sku}`);
    if (r.status !== 200) {
      ledger.check("counters-match-answers", false, () => `GET ${sku} answered ${r.status}`);
      continue;
    }
    skuViews.push(r.json);
    ledger.checkView(r.json, "final");
    ledger.check(
      "counters-match-answers",
      r.json.stock === stock && r.json.held === 0,
      () =>
        `${sku}: stock ${r.json.stock} (set ${stock}), held ${r.json.held} after every hold settled or expired`,
    );
    ledger.check(
      "counters-match-answers",
      r.json.sold === expected.get(sku),
      () => `${sku}: sold ${r.json.sold}, answered requests imply ${expected.get(sku)}`,
    );
  }
  return { finalMs, skuViews, expected: Object.fromEntries(expected) };
}
