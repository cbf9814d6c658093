/** How one problem `code` answers: its HTTP status and RFC 9457 title. */
export interface ProblemSpec {
  readonly status: number;
  readonly title: string;
}

/** A problem table: every code a deployment can answer, with its status and title. */
export type ProblemTable = Readonly<Record<string, ProblemSpec>>;

/**
 * The core codes: what the edge and the runtime answer themselves, and the reference
 * system's original codes. Services add theirs by declaring `failures`; the deployment's
 * table is `problemTable(PROBLEMS, …)` of both.
 */
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
  "hold-too-large": { status: 409, title: "Hold Too Large" },
  "client-hold-limit": { status: 429, title: "Client Hold Limit" },
  "listener-limit": { status: 429, title: "Listener Limit" },
  "listeners-full": { status: 503, title: "Listeners Full" },
  "idempotency-key-reused": { status: 422, title: "Idempotency Key Reused" },
  "rate-limited": { status: 429, title: "Rate Limited" },
  overloaded: { status: 503, title: "Overloaded" },
  "circuit-open": { status: 503, title: "Circuit Open" },
  "service-unavailable": { status: 503, title: "Service Unavailable" },
  "deadline-exceeded": { status: 503, title: "Deadline Exceeded" },
  "internal-error": { status: 500, title: "Internal Error" },
} as const satisfies Record<string, ProblemSpec>;

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

/**
 * The core table plus each source's codes. A code two sources both declare must agree on
 * status and title; otherwise this throws, naming the code and both sources, so one code
 * never means two answers.
 */
export function problemTable(
  core: ProblemTable,
  sources: readonly { readonly source: string; readonly failures: ProblemTable }[],
): ProblemTable {
  const table: Record<string, ProblemSpec> = { ...core };
  const owner = new Map<string, string>(Object.keys(core).map((code) => [code, "core"]));
  for (const { source, failures } of sources) {
    for (const [code, spec] of Object.entries(failures)) {
      const known = table[code];
      if (known && (known.status !== spec.status || known.title !== spec.title)) {
        throw new Error(
          `problem ${code}: ${source} declares ${spec.status} "${spec.title}", ` +
            `${owner.get(code)} ${known.status} "${known.title}"`,
        );
      }
      table[code] = { status: spec.status, title: spec.title };
      if (!owner.has(code)) owner.set(code, source);
    }
  }
  return table;
}

/** Builds the problem body for `code`; codes not in `table` are internal errors (a bug upstream). */
export function problemBody(
  code: string,
  detail: string,
  table: ProblemTable = PROBLEMS,
): ProblemBody {
  const spec = Object.hasOwn(table, code) ? table[code] : undefined;
  const known = spec ? code : "internal-error";
  const { status, title } = spec ?? PROBLEMS["internal-error"];
  return { type: `https://bulwark.dev/problems/${known}`, title, status, detail, code: known };
}

/** `Retry-After` in whole seconds (at least 1) from a delay in milliseconds. */
export const retryAfterSeconds = (ms: number | undefined): number =>
  Math.max(1, Math.ceil((ms ?? 1000) / 1000));
