import { expectJson } from "../lib/http.mjs";
import { SKU, STOCK, WORKLOADS } from "./configs.mjs";

const SKU_VIEW_KEYS = ["available", "held", "sku", "sold", "stock", "version"];
const HOLD_VIEW_KEYS = ["expiresAt", "holdId", "quantity", "sku", "status"];

const keysOf = (body) =>
  Object.keys(body ?? {})
    .sort()
    .join(",");

/** Seeds the sku and checks both routes answer the product's JSON shapes. */
export async function seedAndCheck(base, cfg) {
  const url = `${base}/v1/skus/${SKU}`;
  await expectJson(url, { method: "PUT", headers: cfg.seedHeaders, body: { stock: STOCK } });
  const read = await expectJson(url);
  if (keysOf(read.body) !== SKU_VIEW_KEYS.join(",")) {
    throw new Error(`GET ${url} did not answer a SkuView: ${JSON.stringify(read.body)}`);
  }
  const hold = await expectJson(`${url}/holds`, { method: "POST", body: WORKLOADS[1].body }, [201]);
  if (keysOf(hold.body) !== HOLD_VIEW_KEYS.join(",")) {
    throw new Error(`POST ${url}/holds did not answer a HoldView: ${JSON.stringify(hold.body)}`);
  }
}
