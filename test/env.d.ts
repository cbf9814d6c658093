declare namespace Cloudflare {
  interface Env {
    /** Test-only binding (vitest.config.ts): the example actor of test/fixtures. */
    EXAMPLE_COUNTER: DurableObjectNamespace<import("./fixtures/example-counter").ExampleCounter>;
  }
}
