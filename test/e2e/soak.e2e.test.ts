import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MUST_RUN, requirements, type Stats } from "../../soak/coverage.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a run that exercised everything reports (45 s, one kill), to vary one figure at a time. */
function healthyRun(): Stats {
  return {
    seconds: 45,
    holdsAccepted: 2000,
    ordersAccepted: 600,
    ordersConfirmed: 400,
    kills: { asked: 1, performed: 1 },
    crashLoops: [{ armed: true, downAfterMs: 900 }],
    durability: [
      { label: "after kill #1", holds: 900, orders: 250, unanswered: 0, missed: [] },
      { label: "final", holds: 2000, orders: 600, unanswered: 0, missed: [] },
    ],
    insufficientStock: { holds: 80, orders: 10 },
    viewsAtZero: 30,
    inventoryCrashes: { faults: 4, fired: 4 },
    ran: Object.fromEntries(MUST_RUN.map((name) => [name, 10])),
  };
}

const failing = (stats: Stats) =>
  requirements(stats)
    .filter((r) => !r.ok)
    .map((r) => r.name);

describe("chaos soak coverage (what a run must exercise to pass)", () => {
  it("passes a run that exercised everything", () => {
    expect(failing(healthyRun())).toEqual([]);
  });

  it("fails a run where every request was refused, though no invariant was violated", () => {
    const refused = {
      ...healthyRun(),
      holdsAccepted: 0,
      ordersAccepted: 0,
      ordersConfirmed: 0,
      durability: [{ label: "final", holds: 0, orders: 0, unanswered: 0, missed: [] }],
      insufficientStock: { holds: 0, orders: 0 },
      viewsAtZero: 0,
      inventoryCrashes: { faults: 3, fired: 0 },
      ran: { "no-oversell": 4, "available-consistent": 4 },
    };
    expect(failing(refused)).toEqual([
      "holds accepted",
      "orders accepted",
      "acked answers re-read after each kill",
      "durability re-reads answered",
      "stock ran out under contention",
      "inventory crash faults fired",
      "every invariant checked",
    ]);
  });

  it("fails a run whose kill, crash loop, re-reads or contention did not happen", () => {
    const run = healthyRun();
    expect(failing({ ...run, kills: { asked: 1, performed: 0 } })).toContain("kills performed");
    expect(failing({ ...run, kills: { asked: 0, performed: 0 } })).toContain("kills performed");
    expect(failing({ ...run, crashLoops: [{ armed: true, downAfterMs: null }] })).toEqual([
      "crash loop took inventory down",
    ]);
    expect(failing({ ...run, crashLoops: [{ armed: false, downAfterMs: null }] })).toEqual([
      "crash loop took inventory down",
    ]);
    expect(failing({ ...run, crashLoops: [] })).toEqual(["crash loop took inventory down"]);
    const skipped = run.durability.map((r) => ({ ...r, unanswered: 20 }));
    expect(failing({ ...run, durability: skipped })).toEqual(["durability re-reads answered"]);
    const few = run.durability.map((r) => ({ ...r, unanswered: 5 }));
    expect(failing({ ...run, durability: few })).toEqual([]); // 10 of 3750: within 1 %
    expect(failing({ ...run, insufficientStock: { holds: 0, orders: 0 } })).toEqual([
      "stock ran out under contention",
    ]);
    expect(failing({ ...run, inventoryCrashes: { faults: 9, fired: 3 } })).toEqual([
      "inventory crash faults fired",
    ]);
    expect(failing({ ...run, inventoryCrashes: { faults: 0, fired: 0 } })).toEqual([
      "inventory crash faults fired",
    ]);
  });
});

/**
 * The chaos soak, short: 45 s of mixed workload under random faults, a crash loop that takes
 * inventory down and back, and one `kill -9` of the runtime; then every invariant. The soak
 * exits 0 only if none was violated and the run covered what it must (coverage.mjs): holds
 * and orders accepted, the kill and the crash loop seen to happen, every durability re-read
 * answered, small-stock skus sold out under contention. Its own runtime, ports and state
 * directory.
 */
describe("chaos soak (short run)", () => {
  it("keeps every invariant through faults, a crash loop and a kill -9", async () => {
    const child = spawn(process.execPath, ["soak/run.mjs", "--seconds", "45", "--kills", "1"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const [code] = (await once(child, "exit")) as [number | null];
    if (code !== 0) console.error(output);
    expect(output).toContain("PASS: no invariant violated");
    expect(output).toMatch(/ok {3}kills performed +1 of 1 asked/);
    expect(output).toMatch(
      /ok {3}crash loop took inventory down +1 crash loop\(s\), 1 armed, 1 seen/,
    );
    expect(output).not.toMatch(/^ {2}FAIL /m);
    expect(code).toBe(0);
  }, 360_000);
});
