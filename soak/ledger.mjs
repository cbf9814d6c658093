/**
 * What the answered requests imply, and the invariants checked against it. Only answers
 * count: a request without one (`status 0`) is recorded as unknown and never asserted on.
 */
import { isDeepStrictEqual } from "node:util";

const FINAL = new Set(["confirmed", "rejected"]);

export class Ledger {
  /** `action status` → count. */
  outcomes = new Map();
  /** `action status code` → count of problem answers (`hold 409 insufficient-stock`…). */
  codes = new Map();
  /** Stock views checked for oversell while the sku had nothing available (`stock` > 0). */
  viewsAtZero = 0;
  /**
   * holdId → { sku, quantity, settled: null | "confirmed" | "released" | "gone", epoch,
   * confirmed, confirmUnknown, released, serverStatus }: `confirmed` once a confirm was
   * answered 200, `confirmUnknown` once one got no answer or a 5xx, `released` once a release
   * was answered 200; `serverStatus` is what the last durability re-read answered.
   */
  holds = new Map();
  /** Idempotency-Key → { sku, body, first: { status, json } } for keyed holds. */
  keyedHolds = new Map();
  /**
   * Idempotency-Key → { orderId, items, accepted, refusedOnly, unknown, failed5xx, absent,
   * epoch, seen }: `unknown` once a POST got no answer, `failed5xx` once one answered 5xx,
   * `absent` once a read after the faults answered 404.
   */
  orders = new Map();
  violations = [];
  checks = new Map();
  /** How many runtime kills so far: 2xx answers carry the epoch they were given in. */
  epoch = 0;

  /** Durability re-reads, one round per kill and one final: what was read and what was not. */
  durability = [];

  /** One answer of `action`; `code` is its problem code (or a rejected order's reason). */
  count(action, status, code) {
    const key = `${action} ${status}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    if (code) this.codes.set(`${key} ${code}`, (this.codes.get(`${key} ${code}`) ?? 0) + 1);
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
    if (available === 0 && stock > 0) this.viewsAtZero += 1;
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
    this.holds.set(json.holdId, {
      sku,
      quantity,
      settled: null,
      epoch: this.epoch,
      confirmed: false,
      confirmUnknown: false,
      released: false,
      serverStatus: null,
    });
  }

  /** A confirm's answer: 200 sold the hold; no answer or a 5xx may have. */
  confirmAnswered(holdId, status) {
    const hold = this.holds.get(holdId);
    if (!hold) return;
    if (status === 200) hold.confirmed = true;
    else if (status === 0 || status >= 500) hold.confirmUnknown = true;
  }

  /** A release answered 200: the hold was never sold (a confirmed hold cannot be released). */
  releaseAnswered(holdId, status) {
    const hold = this.holds.get(holdId);
    if (hold && status === 200) hold.released = true;
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
        failed5xx: false,
        absent: false,
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
    if (answer.status >= 500) o.failed5xx = true;
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
