/** Every `code` the HTTP contract can answer, with its status and RFC 9457 title. */
export const PROBLEMS = {
  "not-found": { status: 404, title: "Not Found" },
  "method-not-allowed": { status: 405, title: "Method Not Allowed" },
  unauthorized: { status: 401, title: "Unauthorized" },
  "unsupported-media-type": { status: 415, title: "Unsupported Media Type" },
  "payload-too-large": { status: 413, title: "Payload Too Large" },
  "invalid-request": { status: 400, title: "Invalid Request" },
  "insufficient-stock": { status: 409, title: "Insufficient Stock" },
  "stock-below-committed": { status: 409, title: "Stock Below Committed" },
  "hold-not-active": { status: 409, title: "Hold Not Active" },
  "manual-clear-not-allowed": { status: 409, title: "Manual Clear Not Allowed" },
  "idempotency-key-reused": { status: 422, title: "Idempotency Key Reused" },
  "rate-limited": { status: 429, title: "Rate Limited" },
  overloaded: { status: 503, title: "Overloaded" },
  "circuit-open": { status: 503, title: "Circuit Open" },
  "service-unavailable": { status: 503, title: "Service Unavailable" },
  "deadline-exceeded": { status: 503, title: "Deadline Exceeded" },
  "internal-error": { status: 500, title: "Internal Error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** The RFC 9457 body every error answer carries. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
}

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEMS, code);

/** Builds the problem body for `code`; unknown codes are internal errors (a bug upstream). */
export function problemBody(code: string, detail: string): ProblemBody {
  const known: ProblemCode = isProblemCode(code) ? code : "internal-error";
  const { status, title } = PROBLEMS[known];
  return { type: `https://bulwark.dev/problems/${known}`, title, status, detail, code: known };
}

/** `Retry-After` in whole seconds (at least 1) from a delay in milliseconds. */
export const retryAfterSeconds = (ms: number | undefined): number =>
  Math.max(1, Math.ceil((ms ?? 1000) / 1000));
