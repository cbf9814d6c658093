/** The test worker: the product worker plus the example actors the runtime tests supervise. */
export * from "../workers/index";
export { default } from "../workers/index";
export { ExampleCounter } from "./fixtures/example-counter";
export { ExampleEntity } from "./fixtures/example-entity";
export { ReporterRequests } from "./fixtures/reporter-requests";
