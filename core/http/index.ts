/** HTTP-facing pure parts: problem codes, request schemas, canonical JSON. */
export { canonicalJson } from "./canonical-json";
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
