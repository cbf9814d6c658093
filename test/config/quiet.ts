/**
 * A green run prints nothing alarming. Tests that provoke failures on purpose (injected
 * faults, the example actor's requested crashes, failing starts and timers, malformed queue
 * messages, dead-lettering) make the runtime log exactly what it would log in production;
 * those expected lines are dropped here by a marker only such tests produce, so anything
 * still printed means something. Each pattern names what provokes it.
 */
export const EXPECTED_NOISE: readonly RegExp[] = [
  // Fault injection (`POST /v1/ops/faults`): crash logs and the restarts they cause.
  /injected crash|injected fault/,
  // The example actor of test/fixtures: `add {crash: true}`, `slowCrash`, a start that fails
  // on purpose, timers named to fail; the supervisor tests' own reason "boom".
  /crash requested|slow crash|start failed \(\d+ failures left\)|timer (torn|fail-)\S* failed|"reason":"boom"/,
  // entity-supervisor-faults.test.ts: an entity refused by a supervisor that is not
  // simple_one_for_one, on purpose (its key says so).
  /"event":"entity-enroll-refused".*"actor":"[^"]*\/refused-on-purpose"/,
  // Supervision consequences of the crashes above (escalations, services down and back up).
  /^supervision: \{"type":"(gave-up|child-down|child-up)"/,
  /^supervision: \{"type":"restarted".*"reason":"(normal|reached_max_restart_intensity[^"]*)"/,
  // The service-down test's cron recovering inventory.
  /^cron: recovered \w+$/,
  // queue.test.ts: a malformed message, a withdrawn order's message, and dead-lettering.
  /^orders queue: dropping malformed message|^orders queue: \S+ answered not-found: order \S+ was never queued/,
  /\[mf:warn\] Moving message "[^"]+" on queue "bulwark-orders" to dead letter queue/,
  // The pool reads .dev.vars and says so, but test/config/test-bindings.ts pins every value.
  /^Using secrets defined in \.dev\.vars/,
  // workerd noting that an alarm was rescheduled while its handler was pending (alarm tests
  // reschedule on purpose); "NOSENTRY" marks it as not worth reporting.
  /^NOSENTRY SQLite alarm handler canceled with requestScheduledAlarm/,
  // Structured operational lines below error level (`core/log`: alarm transitions, shed
  // summaries, flushes, supervision events): what a deployment would log, not a fault of the
  // run. Tests that care read them through a console spy (test/log-lines.ts); error lines
  // still print unless a marker above says a test provoked them.
  /^\{"level":"(debug|info|warn)","event":"[a-z0-9-]+"/,
  // Platform faults the hardening and visibility tests inject on purpose
  // (test/workers/hardening/fault-points.ts): a stand-in namespace whose objects implement
  // nothing (limiter, alarm manager, metrics monitor unreachable), an object reset mid-saga,
  // and notifications aimed at a closed loopback port. workerd reports the rejected RPC
  // promise even though our code catches its result.
  /The RPC receiver does not implement "(lease|raise|clear|loadSignals|recordDeadLetter|deadLettered|reportQueueAge|counts)"/,
  /simulated restart/,
  /^uncaught exception; (source = Uncaught \(in promise\); stack = Error|exception = \S+: disconnected: jsg\.Error): Network connection lost\.$/,
  // The pool's socket to each test file's runner closing at teardown (kin of the messages
  // the pool itself ignores, e.g. "disconnected: WebSocket was aborted").
  /disconnected: WebSocket peer disconnected/,
];

/** Terminal colour codes (ESC [ … m), which some writers add. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** True when `text` is expected noise, judged by its first non-empty line (a stack follows its message). */
export function isExpectedNoise(text: string): boolean {
  const lines = text
    .replace(ANSI_COLOUR, "")
    .split("\n")
    .filter((line) => line.trim() !== "");
  if (lines.length === 0) return false;
  // A multi-line message (a stack) is judged by its first line.
  const first = lines[0] ?? "";
  return EXPECTED_NOISE.some((pattern) => pattern.test(first.trim()));
}

/** The part of a Node write stream this needs (kept structural: no Node types here). */
interface WritableText {
  write: (...args: never[]) => boolean;
}

/**
 * Drops expected noise that bypasses vitest's console capture (workerd's own log lines and
 * miniflare's warnings are written straight to the process streams).
 */
export function silenceExpectedOutput(stream: WritableText): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  const decoder = new TextDecoder();
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? decoder.decode(chunk) : "";
    if (isExpectedNoise(text)) return true;
    return write(chunk, ...rest);
  }) as WritableText["write"];
}
