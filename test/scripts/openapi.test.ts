import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../workers/openapi/document";

describe("OpenAPI document (validated by @apidevtools/swagger-parser)", () => {
  it("is a valid OpenAPI 3.1 document with every $ref resolvable", async () => {
    const doc = openApiDocument();
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((api as { openapi?: string }).openapi).toBe("3.1.0");
  });

  it("is rejected by the validator when broken, so the check above can fail", async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const broken = structuredClone(doc);
    (broken.paths["/v1/orders"] as Record<string, unknown>).post = { responses: "none" };
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it("documents the headers of the contract", () => {
    const text = JSON.stringify(openApiDocument());
    for (const header of [
      "Idempotency-Key",
      "Prefer",
      "X-Deadline-Ms",
      "X-Request-Id",
      "Retry-After",
      "Location",
    ]) {
      expect(text, header).toContain(`"${header}"`);
    }
    expect(text).toContain('"scheme":"bearer"');
  });
});
