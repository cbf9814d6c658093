import { describe, expect, it } from "vitest";
import { PROBLEM_TABLE } from "../../durable-objects";
import { problemResponse } from "../../workers/errors";

describe("problemResponse", () => {
  it("puts Retry-After on every 429 and load 503 even when the failure names no delay, and on nothing else", () => {
    const load = new Set(["overloaded", "circuit-open", "service-unavailable"]);
    for (const [code, { status }] of Object.entries(PROBLEM_TABLE)) {
      const response = problemResponse(code, "detail");
      expect(response.status, code).toBe(status);
      expect(response.headers.get("Content-Type"), code).toBe("application/problem+json");
      const retry = response.headers.get("Retry-After");
      if (status === 429 || load.has(code)) expect(retry, code).toBe("1");
      else expect(retry, code).toBeNull();
    }
  });

  it("says the failure's own delay, in whole seconds", () => {
    expect(problemResponse("presence-limit", "detail", 4200).headers.get("Retry-After")).toBe("5");
  });
});
