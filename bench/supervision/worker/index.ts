import { Actor, type Commands, ok, read, Supervisor } from "../../../durable-objects/runtime";

/**
 * The supervision bench's Worker. One supervisor per level (`/setup`), filled with dynamic
 * children (`/fill`), then each operation timed here, next to the supervisor, K times in a
 * row (`/measure`): what the supervisor's own bookkeeping costs at that child count.
 *
 * Every child spec points at the same `BenchChild` object: each operation still makes its
 * real RPC to a child (a start, a stop), but no run creates 10,000 objects, so what grows
 * with the count is only the supervisor's storage — the thing under test.
 */

export { Supervisor };

interface Env {
  SUPERVISOR: DurableObjectNamespace<Supervisor>;
  CHILD: DurableObjectNamespace<BenchChild>;
}

type Ping = { ping: { payload: null; value: string } };

/** The cheapest possible supervised actor: no state, one read. */
export class BenchChild extends Actor<Env, Ping> {
  protected readonly service = "bench";
  protected readonly commands: Commands<Ping> = { ping: read(() => ok("pong")) };
}

const SHARED_CHILD = { binding: "CHILD", name: "shared" };
const spec = (id: string) => ({ id, address: SHARED_CHILD });

type Op = "start" | "terminate" | "delete" | "count" | "list" | "activate" | "passivate" | "crash";

/** Runs `ops` operations of kind `op` on supervisor `sup`, which holds `size` children. */
async function measure(
  sup: DurableObjectStub<Supervisor>,
  op: Op,
  ops: number,
  size: number,
  round: string,
) {
  const failures: unknown[] = [];
  const check = (result: object) => {
    if ("error" in result && failures.length < 3) failures.push(result);
  };
  const started = Date.now();
  for (let i = 0; i < ops; i += 1) {
    const id = `m-${round}-${i}`;
    if (op === "start") check(await sup.startChild(spec(id)));
    else if (op === "terminate") check(await sup.terminateChild(id));
    else if (op === "delete") check(await sup.deleteChild(id));
    else if (op === "count") check(await sup.countChildren());
    // Entities (a `simple_one_for_one` supervisor of active entities): an activation lists a
    // new one, a passivation removes it, a crash report restarts one of the filled ones.
    else if (op === "activate") check(await sup.childActivated({ childId: id }));
    else if (op === "passivate") check(await sup.childPassivated({ childId: id }));
    else if (op === "crash") {
      const childId = `f-${(i * 7919) % size}`;
      await sup.childExited({ childId, reason: "bench crash", at: Date.now() });
    } else {
      // A full page from a different place each time: an index range scan anywhere in the
      // table, always 100 rows (a page past the end would be cheaper and flatter the ratio).
      const after = String((i * 7919) % Math.max(size - 100, 1));
      check(await sup.whichChildren({ after, limit: 100 }));
    }
  }
  return { op, ops, ms: Date.now() - started, failures };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get("sup") ?? "bench";
    const sup = env.SUPERVISOR.get(env.SUPERVISOR.idFromName(name));
    const number = (key: string, fallback: number) => Number(url.searchParams.get(key) ?? fallback);
    switch (url.pathname) {
      case "/healthz":
        return Response.json({ status: "ok" });
      case "/setup":
        return Response.json(
          await sup.configure(
            url.searchParams.get("mode") === "entities"
              ? {
                  flags: { strategy: "simple_one_for_one", intensity: 1000, periodMs: 1000 },
                  children: [spec("entity")],
                }
              : { flags: { intensity: 1000, periodMs: 1000 }, children: [] },
          ),
        );
      case "/fill": {
        // Adds children `f-<from>` … `f-<to - 1>`; the caller sends ranges that fit a request.
        const entities = url.searchParams.get("mode") === "entities";
        for (let i = number("from", 0); i < number("to", 0); i += 1) {
          const result = entities
            ? await sup.childActivated({ childId: `f-${i}` })
            : await sup.startChild(spec(`f-${i}`));
          if ("error" in result) return Response.json(result, { status: 500 });
        }
        return Response.json(await sup.countChildren());
      }
      case "/measure": {
        const op = (url.searchParams.get("op") ?? "count") as Op;
        const result = await measure(
          sup,
          op,
          number("ops", 100),
          number("size", 0),
          url.searchParams.get("round") ?? "0",
        );
        return Response.json(result, { status: result.failures.length > 0 ? 500 : 200 });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
} satisfies ExportedHandler<Env>;
