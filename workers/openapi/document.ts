import { z } from "zod";
import { PROBLEM_TABLE, type AnswerCode as ProblemCode } from "../../durable-objects/services";
import { ROUTES, type RouteAnswer, type RouteSpec } from "./routes";
import { named } from "./views";

/** A JSON value as the document holds it. */
type Json = Record<string, unknown>;

const REF = (id: string) => `#/components/schemas/${id}`;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of `schema` as a client sends or reads it. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const id = named.get(schema)?.id;
  if (id !== undefined) return { $ref: REF(id) };
  // Transforms (X-Deadline-Ms) are described by their input; refinements by their prose.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

/** Headers every route reads. */
const COMMON_HEADERS: Json[] = [
  {
    name: "X-Request-Id",
    in: "header",
    required: false,
    description: "Echoed on the answer; generated when absent.",
    schema: { type: "string" },
  },
  {
    name: "X-Deadline-Ms",
    in: "header",
    required: false,
    description:
      "Milliseconds the client will wait (1–60000). Work whose deadline passed is not started: 503 deadline-exceeded.",
    schema: { type: "string", pattern: "^[0-9]{1,5}$" },
  },
];

function parameters(route: RouteSpec): Json[] {
  const path = Object.entries(route.params ?? {}).map(([name, schema]) => ({
    name,
    in: "path",
    required: true,
    schema: jsonSchema(schema, "input"),
  }));
  const query = Object.entries(route.query ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: false,
    schema: jsonSchema(schema, "input"),
  }));
  const extra: Json[] = [...query];
  if (route.idempotencyKey) {
    extra.push({
      name: "Idempotency-Key",
      in: "header",
      required: route.idempotencyKey === "required",
      description: "1–255 visible ASCII characters, no spaces.",
      schema: { type: "string", pattern: "^[\\x21-\\x7E]{1,255}$" },
    });
  }
  if (route.prefer) {
    extra.push({
      name: "Prefer",
      in: "header",
      required: false,
      description: "`respond-async` (RFC 7240): queue the order (202) rather than refuse it (503).",
      schema: { type: "string", examples: ["respond-async"] },
    });
  }
  if (route.rateLimited) {
    extra.push({
      name: "CF-Connecting-IP",
      in: "header",
      required: false,
      description:
        "Set by Cloudflare: the client the per-client rate limit counts (an IPv6 client by its /64).",
      schema: { type: "string" },
    });
  }
  return [...path, ...COMMON_HEADERS, ...extra];
}

/** Every problem `code` a route can answer: its flags' and its own. */
export function problemsOf(route: RouteSpec): ProblemCode[] {
  const codes = new Set<ProblemCode>(["invalid-request", "internal-error"]);
  // Every admin route checks the token first, and throttles a client's failed tries.
  if (route.admin) for (const c of ["unauthorized", "rate-limited"] as const) codes.add(c);
  if (route.body)
    for (const c of ["unsupported-media-type", "payload-too-large"] as const) codes.add(c);
  if (route.rateLimited) codes.add("rate-limited");
  if (route.shard) {
    for (const c of [
      "deadline-exceeded",
      "overloaded",
      "circuit-open",
      "service-unavailable",
    ] as const)
      codes.add(c);
  }
  for (const code of route.problems ?? []) codes.add(code);
  return [...codes];
}

const RETRY_AFTER = {
  description: "Seconds to wait before retrying.",
  schema: { type: "integer" },
};
const LOCATION = { description: "Where to follow the resource.", schema: { type: "string" } };
const REQUEST_ID = { description: "The request's id.", schema: { type: "string" } };

function answerResponse(answer: RouteAnswer): Json {
  const headers: Json = { "X-Request-Id": REQUEST_ID };
  for (const name of answer.headers ?? [])
    headers[name] = name === "Location" ? LOCATION : RETRY_AFTER;
  if (answer.schema === undefined) return { description: answer.description, headers };
  return {
    description: answer.description,
    headers,
    content: {
      [answer.contentType ?? "application/json"]: { schema: jsonSchema(answer.schema, "output") },
    },
  };
}

function problemContent(codes: ProblemCode[]): Json {
  return {
    "application/problem+json": {
      schema: { allOf: [{ $ref: REF("Problem") }, { properties: { code: { enum: codes } } }] },
    },
  };
}

function responses(route: RouteSpec): Json {
  const out: Record<string, Json> = {};
  for (const [status, answer] of Object.entries(route.answers))
    out[status] = answerResponse(answer);
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of problemsOf(route)) {
    const { status } = PROBLEM_TABLE[code] ?? { status: 500 };
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of byStatus) {
    const existing = out[status];
    const retry = status === 429 || status === 503 ? { "Retry-After": RETRY_AFTER } : {};
    out[status] = {
      description: existing
        ? `${existing.description}; or a problem: ${codes.join(", ")}`
        : codes.join(", "),
      headers: { "X-Request-Id": REQUEST_ID, ...retry },
      content: { ...(existing?.content as Json | undefined), ...problemContent(codes) },
    };
  }
  return out;
}

function operation(route: RouteSpec): Json {
  const op: Json = {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+([A-Za-z0-9])?/g, (_, c = "") => c.toUpperCase())}`,
    tags: [route.tag],
    summary: route.summary,
    parameters: parameters(route),
    responses: responses(route),
  };
  if (route.description) op.description = route.description;
  if (route.admin) op.security = [{ adminToken: [] }];
  if (route.body) {
    op.requestBody = {
      required: route.bodyRequired ?? true,
      content: { "application/json": { schema: jsonSchema(route.body, "input") } },
    };
  }
  return op;
}

/** Hono's `/v1/skus/:sku` as OpenAPI's `/v1/skus/{sku}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)/g, "{$1}");

function componentSchemas(): Json {
  const { schemas } = z.toJSONSchema(named, { uri: REF, io: "output" }) as {
    schemas: Record<string, Json>;
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]),
  );
}

const DESCRIPTION = `Flash-sale checkout on supervised Durable Objects. Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\`. Checks apply in this order: route (404 not-found, 405 method-not-allowed with \`Allow\`) → auth (401) → content type (415) → size (413, 64 KiB) → validation (400). Load refusals are fast: 503 + \`Retry-After\`. The prose contract is docs/api.md in the repository.`;

/** The OpenAPI 3.1 document of `routes` (default: every route the edge serves). */
export function openApiDocument(routes: readonly RouteSpec[] = ROUTES): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Bulwark", version: "1.1.0", description: DESCRIPTION },
    tags: [
      { name: "health", description: "Liveness and readiness" },
      { name: "inventory", description: "SKUs and holds, sharded by sku" },
      {
        name: "orders",
        description: "Orders: sagas across inventory shards, shed to a queue under load",
      },
      { name: "sessions", description: "Per-user sessions and presence, one actor per user" },
      { name: "operations", description: "Supervision and fault injection (admin)" },
      { name: "dashboard", description: "The live operations dashboard and its live channel" },
      {
        name: "visibility",
        description: "Metrics, alarms and notifications for the whole deployment (admin)",
      },
      { name: "reference", description: "This contract, machine-readable and rendered" },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        adminToken: {
          type: "http",
          scheme: "bearer",
          description: "`Authorization: Bearer <ADMIN_TOKEN>`",
        },
      },
      responses: {
        NotFound: {
          description: "404: no such route (any path not listed here)",
          content: problemContent(["not-found"]),
        },
        MethodNotAllowed: {
          description: "405: the path exists but not with this method; `Allow` lists the methods",
          headers: { Allow: { schema: { type: "string" } } },
          content: problemContent(["method-not-allowed"]),
        },
      },
    },
  };
}
