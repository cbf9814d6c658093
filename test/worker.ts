/** The test worker: the product worker plus the example actor the runtime tests supervise. */
export * from "../workers/index";
export { default } from "../workers/index";
export { ExampleCounter } from "./fixtures/example-counter";
