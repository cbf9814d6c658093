import { describe, expect, it } from "vitest";
import { loadLimits } from "../../../durable-objects/limits/config";
import { SAGA_TIMEOUT_MS } from "../../../durable-objects/orders/saga";

describe("Retention configuration", () => {
  it("refuses RETENTION_ORDERS_MS below the queued-order intake safety window, naming the field and the limit", () => {
    expect(() => loadLimits({ RETENTION_ORDERS_MS: "1799999" })).toThrow(
      "RETENTION_ORDERS_MS must be an integer from 1800000 to",
    );
    expect(() =>
      loadLimits({ ORDERS_INTAKE_SAFETY_MS: "60000", RETENTION_ORDERS_MS: "59999" }),
    ).toThrow("RETENTION_ORDERS_MS must be an integer from 60000 to");
  });

  it("accepts RETENTION_ORDERS_MS equal to the intake safety window", () => {
    const limits = loadLimits({ ORDERS_INTAKE_SAFETY_MS: "10000", RETENTION_ORDERS_MS: "10000" });
    expect(limits.retention.ordersMs).toBe(10_000);
  });

  it("refuses RETENTION_HOLDS_MS shorter than a saga may run, so compensation tombstones outlive late duplicates", () => {
    expect(() => loadLimits({ RETENTION_HOLDS_MS: "0" })).toThrow(
      `RETENTION_HOLDS_MS must be an integer from ${SAGA_TIMEOUT_MS} to`,
    );
    expect(loadLimits({ RETENTION_HOLDS_MS: String(SAGA_TIMEOUT_MS) }).retention.holdsMs).toBe(
      SAGA_TIMEOUT_MS,
    );
  });
});
