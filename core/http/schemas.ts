import { z } from "zod";

/** `sku` as the contract pins it. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Hold and order ids: the same alphabet, longer (ids derive from order ids and skus). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,159}$/;
/** `Idempotency-Key`: 1–255 visible ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const skuParam = z
  .string()
  .regex(SKU_PATTERN, "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
export const idParam = z.string().regex(ID_PATTERN, "is not a valid id");

export const putSkuBody = z.strictObject({ stock: int(0, 1_000_000_000) });

export const placeHoldBody = z.strictObject({
  quantity: int(1, 10_000),
  ttlSeconds: int(1, 3600).default(300),
});

export const orderBody = z.strictObject({
  items: z
    .array(z.strictObject({ sku: skuParam, quantity: int(1, 10_000) }))
    .min(1)
    .max(50)
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, {
      message: "skus must be distinct",
    }),
});

/**
 * `POST /v1/ops/faults` for a deployment's `services` (the registry's names): a service,
 * at most one target (`sku` on inventory, `orderId` on orders, or a shard index) and the
 * fault.
 */
export const faultSchema = <const S extends readonly [string, ...string[]]>(services: S) =>
  z
    .strictObject({
      service: z.enum(services),
      sku: skuParam.optional(),
      orderId: idParam.optional(),
      /** The object owning this key in `service`: its shard, or a per-entity service's entity. */
      key: idParam.optional(),
      shard: int(0, 1023).optional(),
      kind: z.enum(["crash", "latency", "overload"]),
      count: int(1, 1000).default(1),
      ms: int(1, 30_000).default(100),
      /** Extension: for a saga, which atomic step (1-based) the crash hits. */
      step: int(1, 100).default(1),
    })
    .refine((f) => [f.sku, f.orderId, f.key, f.shard].filter((t) => t !== undefined).length <= 1, {
      message: "give at most one of sku, orderId, key, shard",
    })
    .refine((f) => f.sku === undefined || f.service === "inventory", {
      message: "sku targets the inventory service",
      path: ["sku"],
    })
    .refine((f) => f.orderId === undefined || f.service === "orders", {
      message: "orderId targets the orders service",
      path: ["orderId"],
    });

/** `X-Deadline-Ms`: milliseconds the client will wait, 1–60000, as plain decimal digits. */
export const deadlineHeader = z
  .string()
  .regex(/^[0-9]{1,5}$/, "must be decimal digits")
  .transform(Number)
  .pipe(z.number().int().min(1).max(60_000));

/** Turns zod issues into one plain sentence naming each field and what was wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "body";
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}
