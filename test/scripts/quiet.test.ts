import { describe, expect, it } from "vitest";
import { isExpectedNoise } from "../config/quiet";

describe("expected noise of a green run", () => {
  it("drops the lines tests provoke on purpose", () => {
    for (const line of [
      "inventory/inventory-8 crashed: injected crash",
      'supervision: {"type":"restarted","supervisor":"orders","child":"orders-3","reason":"injected crash at step 2"}',
      "example/s3-x/a crashed: crash requested",
      "uncaught exception; source = Uncaught (in promise); stack = Error: start failed (4 failures left)\n    at ExampleCounter.onStart (test/fixtures/example-counter.ts:37:13)",
      'supervision: {"type":"gave-up","supervisor":"inventory","offender":"inventory-2"}',
      "exception = workerd/api/web-socket.c++:821: disconnected: WebSocket peer disconnected",
      "NOSENTRY SQLite alarm handler canceled with requestScheduledAlarm.; scheduledTime = 1796175622.109s",
      '[mf:warn] Moving message "abc" on queue "bulwark-orders" to dead letter queue "bulwark-orders-dlq" after 9 failed attempts...',
      '{"level":"info","event":"alarm-cleared","at":"2026-12-02T02:37:06.354Z","name":"service-down"}',
      '{"level":"warn","event":"rate-limiter-unavailable","at":"2026-12-02T02:03:32.475Z"}',
      '{"level":"error","event":"actor-crashed","service":"inventory","reason":"injected crash"}',
      '{"level":"error","event":"entity-enroll-refused","service":"example-entity","actor":"plain2-x/refused-on-purpose","error":"invalid_args"}',
      'uncaught exception; source = Uncaught (in promise); stack = TypeError: The RPC receiver does not implement "lease".',
      "uncaught exception; source = Uncaught (in promise); stack = Error: simulated restart",
      "uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.",
      "uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1480: disconnected: jsg.Error: Network connection lost.",
    ]) {
      expect(isExpectedNoise(line), line).toBe(true);
    }
  });

  it("keeps anything that could mean something", () => {
    for (const line of [
      "inventory/inventory-3 crashed: TypeError: Cannot read properties of undefined",
      'supervision: {"type":"restarted","supervisor":"inventory","child":"inventory-3","reason":"TypeError: x"}',
      "request 42 failed: Error: boom at handler",
      "orders queue: o_1 answered internal-error: shard crashed",
      '{"level":"error","event":"actor-crashed","service":"inventory","reason":"TypeError: x"}',
      '{"level":"error","event":"internal-error","requestId":"r-1"}',
      '{"level":"error","event":"entity-enroll-refused","service":"sessions","actor":"u-1","error":"invalid_args"}',
      'uncaught exception; source = Uncaught (in promise); stack = TypeError: The RPC receiver does not implement "placeHold".',
      "uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost while reading the body",
      "",
    ]) {
      expect(isExpectedNoise(line), line).toBe(false);
    }
  });
});
