import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../../../workers/app";

/**
 * Platform faults the runtime cannot inject by itself, as test-harness fault points. The
 * edge app takes its bindings per request, so a request can run against the real bindings
 * with one of them replaced by a failing one — the real shards, queue and limiter stay.
 */

/** A Queue binding whose `send` is refused, as when the queue is unavailable. */
export const refusingQueue: Queue = {
  send: () => Promise.reject(new Error("queue unavailable (fault point)")),
  sendBatch: () => Promise.reject(new Error("queue unavailable (fault point)")),
} as unknown as Queue;

/** A Durable Object namespace whose objects cannot be reached (every call rejects). */
export function unreachableNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
): DurableObjectNamespace<T> {
  const unreachable = new Proxy(
    {},
    {
      get: () => () => Promise.reject(new Error("object unavailable (fault point)")),
    },
  );
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property === "get") return () => unreachable;
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The edge with some bindings replaced: `fetch` answers as `exports.default.fetch` would. */
export async function edgeWith(
  overrides: Partial<Cloudflare.Env>,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set("Content-Type", "application/json");
  const request = new Request(`http://edge.test${path}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const response = await app.fetch(request, { ...env, ...overrides }, createExecutionContext());
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: (text === "" ? null : JSON.parse(text)) as Record<string, unknown>,
  };
}

type Call = (name: string, ...rest: unknown[]) => Promise<unknown>;

/**
 * A namespace whose objects' actor `call` goes through `intercept` (given the command, its
 * arguments and the real call); every other property of the namespace and its stubs is real.
 */
function interceptingCalls<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
  intercept: (name: string, rest: unknown[], call: Call) => Promise<unknown>,
): DurableObjectNamespace<T> {
  return new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "get") return typeof value === "function" ? value.bind(target) : value;
      return (id: DurableObjectId) => {
        const stub = target.get(id) as unknown as { call: Call };
        return new Proxy(stub, {
          get(s, p) {
            if (p !== "call") return Reflect.get(s, p);
            return (name: string, ...rest: unknown[]) =>
              intercept(name, rest, (n, ...r) => s.call(n, ...r));
          },
        });
      };
    },
  });
}

/**
 * A namespace whose objects refuse one actor command (the RPC rejects, as a reset object's
 * would) and serve every other call for real.
 */
export function refusingCommand<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
  command: string,
): DurableObjectNamespace<T> {
  return interceptingCalls(real, (name, rest, call) =>
    name === command
      ? Promise.reject(new Error(`${command} unavailable (fault point)`))
      : call(name, ...rest),
  );
}

/**
 * A namespace whose objects run one actor command for real and then reject, as an RPC whose
 * effect committed but whose answer was lost; every other call is served for real.
 */
export function committingThenThrowing<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
  command: string,
): DurableObjectNamespace<T> {
  return interceptingCalls(real, async (name, rest, call) => {
    const reply = await call(name, ...rest);
    if (name === command) throw new Error(`${command} answer lost (fault point)`);
    return reply;
  });
}

/** An RPC error as workerd throws it for a broken connection: `retryable` set. */
const brokenInTransit = (command: string) =>
  Object.assign(new Error(`${command}: Network connection lost (fault point)`), {
    retryable: true,
  });

/**
 * A namespace whose objects run `command` for real and then lose its answer in transit (a
 * `retryable` RPC error, which the edge retries for idempotent commands): the first call
 * only, after which `afterFirst` runs (e.g. to make the retry meet a refusal), or every
 * call with `always`. With `early` the connection breaks while the command still runs (it
 * goes on, unawaited; `settled` resolves once every such call ended). `refused` commands
 * reject without running. Every other call is real.
 */
export function losingAnswers<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
  command: string,
  options: {
    afterFirst?: () => Promise<unknown>;
    always?: boolean;
    early?: boolean;
    refused?: string;
  } = {},
): DurableObjectNamespace<T> & { settled: () => Promise<unknown> } {
  let lost = 0;
  const running: Promise<unknown>[] = [];
  const namespace = interceptingCalls(real, async (name, rest, call) => {
    if (name === options.refused) throw new Error(`${name} unavailable (fault point)`);
    if (name !== command || (lost > 0 && !options.always)) return call(name, ...rest);
    if (options.early) running.push(call(name, ...rest).catch(() => undefined));
    else await call(name, ...rest);
    lost += 1;
    if (lost === 1) await options.afterFirst?.();
    throw brokenInTransit(name);
  });
  return Object.assign(namespace, { settled: () => Promise.all(running) });
}
