/**
 * The contract's requests, spelled once, so each test reads as the behaviour it checks.
 * Every function sends exactly one request and returns the answer unjudged, except the
 * `create`/`read` helpers, which are set-up steps and fail the test on a non-200 answer.
 */
import { ADMIN, type Bulwark, expectStatus, record } from "./contract";
import { fetchJson, type JsonResponse } from "./harness";

/** Body of `POST /v1/skus/{sku}/holds`. */
export interface HoldRequest {
  quantity: number;
  ttlSeconds?: number;
}

/** One line of `POST /v1/orders`. */
export interface OrderItem {
  sku: string;
  quantity: number;
}

/** `PUT /v1/skus/{sku}`, as admin unless other headers are given. */
export function putSku(
  api: Bulwark,
  sku: string,
  stock: number,
  headers: HeadersInit = ADMIN,
): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/skus/${sku}`), { method: "PUT", headers, json: { stock } });
}

/** Set-up: a sku with `stock` units, nothing held or sold. */
export async function createSku(api: Bulwark, sku: string, stock: number): Promise<void> {
  expectStatus(await putSku(api, sku, stock), 200);
}

export function getSku(api: Bulwark, sku: string): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/skus/${sku}`));
}

/** The sku's current `SkuView`; fails the test unless it answers 200. */
export async function readSku(api: Bulwark, sku: string): Promise<Record<string, unknown>> {
  const res = await getSku(api, sku);
  expectStatus(res, 200);
  return record(res.body);
}

export function placeHold(
  api: Bulwark,
  sku: string,
  body: HoldRequest,
  headers?: HeadersInit,
): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/skus/${sku}/holds`), { method: "POST", headers, json: body });
}

export function getHold(api: Bulwark, sku: string, holdId: string): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/skus/${sku}/holds/${holdId}`));
}

export function confirmHold(api: Bulwark, sku: string, holdId: string): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/skus/${sku}/holds/${holdId}/confirm`), { method: "POST" });
}

export function releaseHold(api: Bulwark, sku: string, holdId: string): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/skus/${sku}/holds/${holdId}`), { method: "DELETE" });
}

/** `POST /v1/orders`, with `Idempotency-Key: key` unless `key` is `undefined`. */
export function placeOrder(
  api: Bulwark,
  items: OrderItem[],
  key: string | undefined,
): Promise<JsonResponse> {
  const headers: Record<string, string> = key === undefined ? {} : { "idempotency-key": key };
  return fetchJson(api.url("/v1/orders"), { method: "POST", headers, json: { items } });
}

export function getOrder(api: Bulwark, orderId: string): Promise<JsonResponse> {
  return fetchJson(api.url(`/v1/orders/${orderId}`));
}
