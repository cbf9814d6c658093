/**
 * What the answered requests imply, and the invariants checked against it. Only answers
 * count: a request without one (`status 0`) is recorded as unknown and never asserted on.
 */
import { isDeepStrictEqual } from "node:util";

const FINAL = new Set(["confirmed", "rejected"]);

export class Ledger {
  /** `action status` → count. */
  outcomes = new Map();
  /** holdId → { sku, quantity, settled: null | "confirmed" | "released", epoch }. */
  holds = new Map();
  /** Idempotency-Key → { sku, body, first: { status, json } } for keyed holds. */
  keyedHolds = new Map();
  /** Idempotency-Key → { orderId, items, accepted, refusedOnly, unknown, epoch, seen }. */
  orders = new Map();
  violations = [];
  checks = new Map();
  /** How many runtime kills so far: 2xx answers carry the epoch they were given in. */
  epoch = 0;

  count(action, status) {
    const key = `${action} ${status}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  /** Records that invariant `name` was checked, and whether it held. */
  check(name, ok, detail) {
    const c = this.checks.get(name) ?? { passed: 0, failed: 0 };
    if (ok) c.passed += 1;
    else {
      c.failed += 1;
      if (this.violations.length < 50) this.violations.push(`${name}: ${detail()}`);
    }
    this.checks.set(name, c);
  }

  /** A stock view (GET or WebSocket): never oversold, counters consistent. */
  checkView(view, where) {
    if (!view || typeof view.stock !== "number") return;
    const { stock, held, sold, available } = view;
    this.check(
      "no-oversell",
      held >= 0 && sold >= 0 && held + sold <= stock,
      () => `${where} ${view.sku}: held ${held} + sold ${sold} > stock ${stock}`,
    );
    this.check(
      "available-consistent",
      available === stock - held - sold,
      () => `${where} ${view.sku}: available ${available} != ${stock} - ${held} - ${sold}`,
    );
  }

  holdPlaced(json, sku, quantity) {
    this.holds.set(json.holdId, { sku, quantity, settled: null, epoch: this.epoch });
  }

  holdSettled(holdId, to) {
    const hold = this.holds.get(holdId);
    if (hold) hold.settled = to;
  }

  /** A replay of a keyed hold must answer exactly what the first request answered. */
  holdReplayed(key, answer) {
    const first = this.keyedHolds.get(key)?.first;
    if (!first || answer.status === 0 || answer.status >= 500 || first.status >= 500) return;
    this.check(
      "idempotent-replay-identical",
      answer.status === first.status && isDeepStrictEqual(answer.json, first.json),
      () =>
        `hold key ${key}: first ${first.status} ${first.text}, replay ${answer.status} ${answer.text}`,
    );
  }

  order(key, orderId, items) {
    let o = this.orders.get(key);
    if (!o) {
      o = {
        orderId,
        items,
        accepted: false,
        refusedOnly: true,
        unknown: false,
        epoch: null,
        seen: [],
      };
      this.orders.set(key, o);
    }
    return o;
  }

  /** An order answer: 2xx/409 accept it; a final one must never change afterwards. */
  orderAnswered(key, answer) {
    const o = this.orders.get(key);
    if (!o) return;
    if (answer.status === 0) o.unknown = true;
    if ([201, 202, 409].includes(answer.status)) {
      o.accepted = true;
      o.refusedOnly = false;
      if (o.epoch === null) o.epoch = this.epoch;
      this.orderSeen(key, answer.json);
    } else if (answer.status !== 503 && answer.status !== 500) {
      o.refusedOnly = false;
    }
  }

  /** Every observation of an order: once final, its status never changes (confirmed once). */
  orderSeen(key, view) {
    const o = this.orders.get(key);
    if (!o || !view?.status) return;
    const final = o.seen.find((s) => FINAL.has(s));
    if (final) {
      this.check(
        "order-final-once",
        view.status === final,
        () => `order ${o.orderId} was ${final}, later ${view.status}`,
      );
    }
    o.seen.push(view.status);
  }
}
