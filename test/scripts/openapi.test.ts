import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openApiDocument } from "../../workers/openapi/document";
import { ROUTES } from "../../workers/openapi/routes";

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

  it("describes the shapes routes to come need: optional bodies, query parameters, answers without a body", async () => {
    const doc = openApiDocument([
      ...ROUTES,
      {
        method: "get",
        path: "/",
        tag: "reference",
        summary: "Redirect",
        answers: { 302: { description: "to /dashboard", headers: ["Location"] } },
      },
      {
        method: "post",
        path: "/v1/ops/alarms/:id/ack",
        tag: "operations",
        summary: "Acknowledge",
        admin: true,
        params: { id: z.string() },
        body: z.strictObject({ note: z.string().max(500).optional() }),
        bodyRequired: false,
        query: { before: z.string().regex(/^[0-9]+$/) },
        answers: { 200: { description: "the alarm", schema: z.object({ id: z.string() }) } },
      },
    ]) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    await SwaggerParser.validate(structuredClone(doc) as never);
    const ack = doc.paths["/v1/ops/alarms/{id}/ack"]?.post as {
      requestBody: { required: boolean };
      parameters: { name: string; in: string }[];
    };
    expect(ack.requestBody.required).toBe(false);
    expect(ack.parameters).toContainEqual(expect.objectContaining({ name: "before", in: "query" }));
    const redirect = doc.paths["/"]?.get as { responses: Record<string, Record<string, unknown>> };
    expect(redirect.responses["302"]).not.toHaveProperty("content");
  });
});
