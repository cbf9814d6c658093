/** HTTP-facing pure parts: problem codes, request schemas, canonical JSON. */
export { canonicalJson } from "./canonical-json";
export { clientKey } from "./client-key";
export { MAX_SUB_SHARDS, placementBody } from "./placement";
export {
  isProblemCode,
  PROBLEMS,
  type ProblemBody,
  type ProblemCode,
  type ProblemSpec,
  type ProblemTable,
  problemBody,
  problemTable,
  retryAfterSeconds,
} from "./problem";
export * from "./schemas";
