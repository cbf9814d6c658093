declare namespace Cloudflare {
  interface Env {
    /** Test-only binding (vitest.config.ts): the example actor of test/fixtures. */
    EXAMPLE_COUNTER: DurableObjectNamespace<import("./fixtures/example-counter").ExampleCounter>;
    /** Test-only binding (vitest.config.ts): the example entity of test/fixtures. */
    EXAMPLE_ENTITY: DurableObjectNamespace<import("./fixtures/example-entity").ExampleEntity>;
    /** Test-only binding (vitest.config.ts): JSON of every var the test config pins. */
    TEST_PINNED_VARS: string;
    /** Test-only binding (vitest.config.ts): JSON of wrangler.toml's queue consumers. */
    TEST_QUEUE_CONSUMERS: string;
  }
}
