/** HTTP-facing pure parts: problem codes, request schemas, canonical JSON. */
export { canonicalJson } from "./canonical-json";
export { MAX_SUB_SHARDS, placementBody } from "./placement";
export {
  isProblemCode,
  PROBLEMS,
  type ProblemBody,
  type ProblemCode,
  problemBody,
  retryAfterSeconds,
} from "./problem";
export * from "./schemas";
