import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSku, getOrder, type OrderItem, placeOrder, readSku } from "./api";
import { describeAnswer, expectProblem, expectStatus, text, unique, useBulwark } from "./contract";
import type { JsonResponse } from "./harness";

const api = useBulwark();

/** Set-up: fresh skus, one per entry of `stocks`, and their names. */
async function skusWithStock(...stocks: number[]): Promise<string[]> {
  const skus = stocks.map(() => unique("sku"));
  await Promise.all(skus.map((sku, i) => createSku(api, sku, stocks[i] ?? 0)));
  return skus;
}

/** Asserts a `409` rejection carrying an `OrderView` (the contract's one non-problem 409). */
function expectRejected(res: JsonResponse, reason: string): void {
  expectStatus(res, 409);
  expect(res.headers.get("content-type"), describeAnswer(res)).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ orderId: expect.any(String), status: "rejected", reason });
}

describe("orders", () => {
  it("requires an Idempotency-Key with 400 invalid-request", async () => {
    const [sku = ""] = await skusWithStock(5);
    expectProblem(await placeOrder(api, [{ sku, quantity: 1 }], undefined), 400, "invalid-request");
    expect(await readSku(api, sku)).toMatchObject({ held: 0, sold: 0 });
  });

  it("confirms an order over two skus with 201 and sells every item", async () => {
    const [a = "", b = ""] = await skusWithStock(10, 10);
    const items: OrderItem[] = [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 3 },
    ];
    const res = await placeOrder(api, items, unique("order"));
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      orderId: expect.any(String),
      status: "confirmed",
      items: expect.arrayContaining(items.map((item) => expect.objectContaining(item))),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await readSku(api, a)).toMatchObject({ sold: 2, held: 0, available: 8 });
    expect(await readSku(api, b)).toMatchObject({ sold: 3, held: 0, available: 7 });
  });

  it("answers a retry with the same key with the same order and sells nothing more", async () => {
    const [a = "", b = ""] = await skusWithStock(10, 10);
    const items = [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ];
    const key = unique("order");
    const first = await placeOrder(api, items, key);
    expectStatus(first, 201);
    const retry = await placeOrder(api, items, key);
    expectStatus(retry, 201);
    expect(text(retry.body, "orderId")).toBe(text(first.body, "orderId"));
    expect(retry.body).toMatchObject({ status: "confirmed" });
    expect(await readSku(api, a)).toMatchObject({ sold: 1, held: 0 });
    expect(await readSku(api, b)).toMatchObject({ sold: 1, held: 0 });
  });

  it("refuses the same key with another body with 422 idempotency-key-reused", async () => {
    const [a = ""] = await skusWithStock(10);
    const key = unique("order");
    expectStatus(await placeOrder(api, [{ sku: a, quantity: 1 }], key), 201);
    expectProblem(
      await placeOrder(api, [{ sku: a, quantity: 2 }], key),
      422,
      "idempotency-key-reused",
    );
    expect(await readSku(api, a)).toMatchObject({ sold: 1, held: 0 });
  });

  it("rejects an order one item of which lacks stock with 409, leaving nothing held or sold", async () => {
    const [plenty = "", scarce = ""] = await skusWithStock(10, 1);
    const res = await placeOrder(
      api,
      [
        { sku: plenty, quantity: 2 },
        { sku: scarce, quantity: 2 },
      ],
      unique("order"),
    );
    expectRejected(res, "insufficient-stock");
    expect(await readSku(api, plenty)).toMatchObject({ held: 0, sold: 0, available: 10 });
    expect(await readSku(api, scarce)).toMatchObject({ held: 0, sold: 0, available: 1 });
  });

  it("rejects an order naming an unknown sku with 409 reason not-found", async () => {
    const [known = ""] = await skusWithStock(10);
    const res = await placeOrder(
      api,
      [
        { sku: known, quantity: 1 },
        { sku: unique("missing"), quantity: 1 },
      ],
      unique("order"),
    );
    expectRejected(res, "not-found");
    expect(await readSku(api, known)).toMatchObject({ held: 0, sold: 0, available: 10 });
  });

  it("refuses empty orders and repeated skus with 400 invalid-request", async () => {
    const [a = ""] = await skusWithStock(10);
    const repeated = [
      { sku: a, quantity: 1 },
      { sku: a, quantity: 1 },
    ];
    expectProblem(await placeOrder(api, [], unique("order")), 400, "invalid-request");
    expectProblem(await placeOrder(api, repeated, unique("order")), 400, "invalid-request");
    expect(await readSku(api, a)).toMatchObject({ held: 0, sold: 0 });
  });

  it("reads an order with GET, and answers 404 not-found for an unknown one", async () => {
    const [a = ""] = await skusWithStock(3);
    const placed = await placeOrder(api, [{ sku: a, quantity: 1 }], unique("order"));
    expectStatus(placed, 201);
    const read = await getOrder(api, text(placed.body, "orderId"));
    expectStatus(read, 200);
    expect(read.body).toMatchObject({
      orderId: text(placed.body, "orderId"),
      status: "confirmed",
      items: [{ sku: a, quantity: 1 }],
    });
    expectProblem(await getOrder(api, randomUUID()), 404, "not-found");
  });
});
