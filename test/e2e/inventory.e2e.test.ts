import { describe, expect, it, vi } from "vitest";
import {
  confirmHold,
  createSku,
  getHold,
  getSku,
  placeHold,
  putSku,
  readSku,
  releaseHold,
} from "./api";
import { ADMIN, expectProblem, expectStatus, text, unique, useBulwark } from "./contract";
import { fetchJson, openSocket, SocketRefusedError } from "./harness";

const api = useBulwark();

/** Set-up: a sku with `stock` units and one active hold of `quantity` on it. */
async function skuWithHold(stock: number, quantity: number) {
  const sku = unique("sku");
  await createSku(api, sku, stock);
  const hold = await placeHold(api, sku, { quantity });
  expectStatus(hold, 201);
  return { sku, holdId: text(hold.body, "holdId") };
}

describe("skus", () => {
  it("creates a sku for an admin with 200 and a SkuView", async () => {
    const sku = unique("sku");
    const res = await putSku(api, sku, 10);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({
      sku,
      stock: 10,
      available: 10,
      held: 0,
      sold: 0,
      version: expect.any(Number),
    });
  });

  it("refuses PUT sku without or with a wrong token with 401 unauthorized, creating nothing", async () => {
    const sku = unique("sku");
    expectProblem(await putSku(api, sku, 10, {}), 401, "unauthorized");
    expectProblem(
      await putSku(api, sku, 10, { authorization: "Bearer nope" }),
      401,
      "unauthorized",
    );
    expectProblem(await getSku(api, sku), 404, "not-found");
  });

  it("reads a sku with GET", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 7);
    const res = await getSku(api, sku);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ sku, stock: 7, available: 7, held: 0, sold: 0 });
  });

  it("answers 404 not-found for an unknown sku, on GET and on POST holds", async () => {
    const sku = unique("missing");
    expectProblem(await getSku(api, sku), 404, "not-found");
    expectProblem(await placeHold(api, sku, { quantity: 1 }), 404, "not-found");
  });

  it("refuses to set stock below held + sold with 409 stock-below-committed", async () => {
    const { sku } = await skuWithHold(10, 4);
    expectProblem(await putSku(api, sku, 3), 409, "stock-below-committed");
    expect(await readSku(api, sku)).toMatchObject({ stock: 10, held: 4, available: 6 });
  });
});

describe("holds", () => {
  it("places a hold with 201 and a HoldView, and the sku shows it held", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 10);
    const before = await readSku(api, sku);
    const res = await placeHold(api, sku, { quantity: 3 });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      holdId: expect.any(String),
      sku,
      quantity: 3,
      status: "active",
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/),
    });
    const after = await readSku(api, sku);
    expect(after).toMatchObject({ stock: 10, held: 3, available: 7, sold: 0 });
    expect(after.version).toBeGreaterThan(Number(before.version));
    const read = await getHold(api, sku, text(res.body, "holdId"));
    expectStatus(read, 200);
    expect(read.body).toEqual(res.body);
  });

  it("confirms a hold with 200, and confirming again is a no-op 200", async () => {
    const { sku, holdId } = await skuWithHold(10, 2);
    const first = await confirmHold(api, sku, holdId);
    expectStatus(first, 200);
    expect(first.body).toMatchObject({ holdId, status: "confirmed" });
    const again = await confirmHold(api, sku, holdId);
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ holdId, status: "confirmed" });
    expect(await readSku(api, sku)).toMatchObject({ held: 0, sold: 2, available: 8 });
  });

  it("refuses to release a confirmed hold with 409 hold-not-active", async () => {
    const { sku, holdId } = await skuWithHold(10, 2);
    expectStatus(await confirmHold(api, sku, holdId), 200);
    expectProblem(await releaseHold(api, sku, holdId), 409, "hold-not-active");
    expect(await readSku(api, sku)).toMatchObject({ sold: 2, held: 0 });
  });

  it("releases a hold with 200, and releasing again is a no-op 200", async () => {
    const { sku, holdId } = await skuWithHold(10, 4);
    const first = await releaseHold(api, sku, holdId);
    expectStatus(first, 200);
    expect(first.body).toMatchObject({ holdId, status: "released" });
    const again = await releaseHold(api, sku, holdId);
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ holdId, status: "released" });
    expect(await readSku(api, sku)).toMatchObject({ held: 0, sold: 0, available: 10 });
    expectProblem(await confirmHold(api, sku, holdId), 409, "hold-not-active");
  });

  it("refuses a hold over the available stock with 409 insufficient-stock, holding nothing", async () => {
    const { sku } = await skuWithHold(5, 4);
    expectProblem(await placeHold(api, sku, { quantity: 2 }), 409, "insufficient-stock");
    expect(await readSku(api, sku)).toMatchObject({ held: 4, available: 1 });
  });

  it("lets an unconfirmed hold expire on its own, giving its quantity back", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 5);
    const res = await placeHold(api, sku, { quantity: 2, ttlSeconds: 1 });
    expectStatus(res, 201);
    const holdId = text(res.body, "holdId");
    await vi.waitFor(
      async () =>
        expect((await getHold(api, sku, holdId)).body).toMatchObject({ status: "expired" }),
      { timeout: 10_000, interval: 250 },
    );
    expect(await readSku(api, sku)).toMatchObject({ held: 0, available: 5 });
    expectProblem(await releaseHold(api, sku, holdId), 409, "hold-not-active");
  });

  it("answers 404 not-found for an unknown hold", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 1);
    expectProblem(await getHold(api, sku, unique("no-hold")), 404, "not-found");
  });
});

describe("idempotent holds", () => {
  it("replays the same key and body with the same answer and holds nothing more", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 10);
    const headers = { "idempotency-key": unique("key") };
    const first = await placeHold(api, sku, { quantity: 3 }, headers);
    expectStatus(first, 201);
    // An explicit default (ttlSeconds 300) is the same body as leaving it out.
    const replay = await placeHold(api, sku, { quantity: 3, ttlSeconds: 300 }, headers);
    expectStatus(replay, 201);
    expect(replay.body).toEqual(first.body);
    expect(await readSku(api, sku)).toMatchObject({ held: 3, available: 7 });
  });

  it("gives concurrent duplicates the first answer and holds once", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 10);
    const headers = { "idempotency-key": unique("key") };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => placeHold(api, sku, { quantity: 2 }, headers)),
    );
    for (const answer of answers) expectStatus(answer, 201);
    expect(new Set(answers.map((answer) => text(answer.body, "holdId"))).size).toBe(1);
    expect(await readSku(api, sku)).toMatchObject({ held: 2, available: 8 });
  });

  it("refuses the same key with another body with 422 idempotency-key-reused", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 10);
    const headers = { "idempotency-key": unique("key") };
    expectStatus(await placeHold(api, sku, { quantity: 1 }, headers), 201);
    const reused = await placeHold(api, sku, { quantity: 2 }, headers);
    expectProblem(reused, 422, "idempotency-key-reused");
    expect(await readSku(api, sku)).toMatchObject({ held: 1 });
  });
});

describe("bad requests", () => {
  it("answers an unsupported method with 405 method-not-allowed", async () => {
    const res = await fetchJson(api.url(`/v1/skus/${unique("sku")}`), {
      method: "PATCH",
      headers: ADMIN,
      json: { stock: 1 },
    });
    expectProblem(res, 405, "method-not-allowed");
  });

  it("refuses a body that is not application/json with 415 unsupported-media-type", async () => {
    const sku = unique("sku");
    const asText = { "content-type": "text/plain" };
    const put = await fetchJson(api.url(`/v1/skus/${sku}`), {
      method: "PUT",
      headers: { ...ADMIN, ...asText },
      json: { stock: 1 },
    });
    expectProblem(put, 415, "unsupported-media-type");
    await createSku(api, sku, 1);
    expectProblem(
      await placeHold(api, sku, { quantity: 1 }, asText),
      415,
      "unsupported-media-type",
    );
  });

  it("refuses a 70 KiB body with 413 payload-too-large", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 1);
    const res = await fetchJson(api.url(`/v1/skus/${sku}/holds`), {
      method: "POST",
      json: { quantity: 1, padding: "x".repeat(70 * 1024) },
    });
    expectProblem(res, 413, "payload-too-large");
    expect(await readSku(api, sku)).toMatchObject({ held: 0 });
  });

  it("refuses malformed JSON, unknown fields and out-of-range values with 400 invalid-request", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 10);
    const holds = api.url(`/v1/skus/${sku}/holds`);
    const bodies = [
      { body: "{not json", headers: { "content-type": "application/json" } },
      { json: { quantity: 1, quantitty: 2 } },
      { json: { quantity: 0 } },
      { json: { quantity: 10_001 } },
      { json: { quantity: 1, ttlSeconds: 3601 } },
    ];
    for (const init of bodies) {
      expectProblem(await fetchJson(holds, { method: "POST", ...init }), 400, "invalid-request");
    }
    expect(await readSku(api, sku)).toMatchObject({ held: 0, version: expect.any(Number) });
  });

  it("refuses a sku that breaks the identifier pattern with 400 invalid-request", async () => {
    for (const sku of ["-leading-dash", "a".repeat(65), "has%20space"]) {
      expectProblem(await getSku(api, sku), 400, "invalid-request");
    }
  });
});

describe("stock events", () => {
  it("sends the stock on connect and again after a hold changes it", async () => {
    const sku = unique("sku");
    await createSku(api, sku, 5);
    const socket = await openSocket(api.url(`/v1/skus/${sku}/events`));
    try {
      expect(await socket.next()).toMatchObject({ type: "stock", sku, stock: 5, available: 5 });
      expectStatus(await placeHold(api, sku, { quantity: 2 }), 201);
      expect(await socket.next()).toMatchObject({ type: "stock", sku, held: 2, available: 3 });
    } finally {
      socket.close();
    }
  });

  it("refuses a WebSocket for an unknown sku with 404", async () => {
    const refused = openSocket(api.url(`/v1/skus/${unique("missing")}/events`));
    await expect(refused).rejects.toBeInstanceOf(SocketRefusedError);
    await expect(refused).rejects.toMatchObject({ status: 404 });
  });
});
