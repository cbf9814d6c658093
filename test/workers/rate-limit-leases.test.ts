import { abortAllDurableObjects, createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { leasePolicy, withheldBound } from "../../core/regulation";
import { ShardRouter } from "../../durable-objects";
import {
  ClientLeases,
  type LeaseOutcome,
  type LeaseSource,
} from "../../durable-objects/rate-limit/client-leases";
import { createApp } from "../../workers/app";
import { http, putSku, uniqueSku } from "./client";

/**
 * Token leasing against the real `ClientRateLimiter` objects. Each `ClientLeases` instance
 * stands for one edge isolate: separate instances share nothing but the limiter, exactly as
 * isolates do.
 */

const router = new ShardRouter(env);
const realLimiter = (client: string): LeaseSource => router.rateLimiter(client);
const uniqueClient = () => `203.0.113.${Math.floor(Math.random() * 250)}-${uniqueSku("c")}`;

/** A holder (isolate) with background refills collected, so a test can wait for them. */
function holder(limitPerMinute: number, now?: () => number) {
  const pending: Promise<void>[] = [];
  const leases = new ClientLeases({ limitPerMinute, limiter: realLimiter, now });
  const take = (client: string): Promise<LeaseOutcome> =>
    leases.take(client, (work) => pending.push(work));
  return { leases, take, settle: () => Promise.all(pending) };
}

/** Takes until the first refusal; counts admissions and how many paid no round trip. */
async function takeUntilRefused(h: ReturnType<typeof holder>, client: string) {
  let admitted = 0;
  let local = 0;
  for (;;) {
    const outcome = await h.take(client);
    if (!outcome.ok) return { admitted, local };
    expect(outcome.via).not.toBe("fail-open");
    admitted += 1;
    if (outcome.via === "lease") local += 1;
  }
}

describe("Token leases across isolates", () => {
  it("four concurrent holders admit the limit to within the documented bound, never more", async () => {
    const limit = 6000;
    const client = uniqueClient();
    const holders = [1, 2, 3, 4].map(() => holder(limit));
    const startedAt = Date.now();
    const results = await Promise.all(holders.map((h) => takeUntilRefused(h, client)));
    const elapsedMs = Date.now() - startedAt;
    await Promise.all(holders.map((h) => h.settle()));

    const admitted = results.reduce((n, r) => n + r.admitted, 0);
    const local = results.reduce((n, r) => n + r.local, 0);
    const held = holders.reduce((n, h) => n + h.leases.held(client), 0);
    // What one exact bucket allows over the window: the burst plus the refill.
    const exact = limit + (limit / 60_000) * (elapsedMs + 1);
    expect(admitted + held).toBeLessThanOrEqual(exact);
    const bound = withheldBound(leasePolicy({ limitPerMinute: limit }), holders.length);
    expect(bound / limit).toBeLessThan(0.03);
    expect(admitted).toBeGreaterThanOrEqual(limit - bound);
    // Most requests spent a local token: no round trip.
    expect(local / admitted).toBeGreaterThan(0.9);
  });

  it("refuses a client over its limit with 429 and Retry-After, counted across two isolates", async () => {
    const sku = uniqueSku();
    await putSku(sku, 50);
    const client = uniqueClient();
    // Two env objects = two isolates' lease sets, one limiter.
    const isolates = [1, 2].map(() => ({
      app: createApp(),
      env: { ...env, RATE_LIMIT_PER_MINUTE: "6" },
    }));
    const send = (i: number) => {
      const isolate = isolates[i % 2] ?? isolates[0];
      if (isolate === undefined) throw new Error("no isolate");
      return isolate.app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}/holds`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "CF-Connecting-IP": client },
          body: JSON.stringify({ quantity: 1 }),
        }),
        isolate.env,
        createExecutionContext(),
      );
    };
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(i)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    const refused = await send(0);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "rate-limited" });
    // One token per 10 s at 6/min.
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(10);
  });

  it("counts an IPv6 client by its /64: rotating addresses inside it gets no new budget", async () => {
    const sku = uniqueSku();
    await putSku(sku, 50);
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const isolate = { app: createApp(), env: { ...env, RATE_LIMIT_PER_MINUTE: "6" } };
    const send = (address: string) =>
      isolate.app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}/holds`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "CF-Connecting-IP": address },
          body: JSON.stringify({ quantity: 1 }),
        }),
        isolate.env,
        createExecutionContext(),
      );
    const statuses: number[] = [];
    for (let i = 1; i <= 8; i++) statuses.push((await send(`${net}::${i.toString(16)}`)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });

  it("does not let one client's spending touch another's limit", async () => {
    const limit = 3;
    const [a, b] = [uniqueClient(), uniqueClient()];
    const h = holder(limit);
    expect((await takeUntilRefused(h, a)).admitted).toBe(3);
    expect((await takeUntilRefused(h, b)).admitted).toBe(3);
  });

  it("answers synchronously (takeNow) from the tokens it holds, and leaves a client without any to take", async () => {
    const leases = new ClientLeases({ limitPerMinute: 60_000, limiter: realLimiter });
    const refills: Promise<void>[] = [];
    const defer = (work: Promise<void>) => refills.push(work);
    const client = uniqueClient();
    expect(leases.takeNow(client, defer)).toBeNull(); // no lease yet: take must wait
    expect(refills).toHaveLength(0); // and takeNow did not ask the limiter either
    expect(await leases.take(client, defer)).toEqual({ ok: true, via: "limiter" });
    for (let i = 1; i < leases.policy.size; i++) {
      expect(leases.takeNow(client, defer)).toEqual({ ok: true, via: "lease" });
    }
    expect(refills).toHaveLength(2); // the first lease, and the refill ahead of need
    await Promise.all(refills);
    expect(leases.takeNow(client, defer)).toEqual({ ok: true, via: "lease" });
  });
});

describe("Lease expiry", () => {
  it("stops spending an expired lease and hands its unspent tokens back to the limiter", async () => {
    const limit = 600; // 10 tokens/s, leases of 3
    const client = uniqueClient();
    let now = Date.now();
    const h = holder(limit, () => now);
    expect(await h.take(client)).toEqual({ ok: true, via: "limiter" });
    await h.settle();
    expect(h.leases.held(client)).toBe(2);
    const before = await router.rateLimiter(client).inspect(client, limit);

    now += h.leases.policy.ttlMs;
    expect(h.leases.held(client)).toBe(0);
    expect(await h.take(client)).toEqual({ ok: true, via: "limiter" });
    const after = await router.rateLimiter(client).inspect(client, limit);
    // 2 returned, 3 leased: the bucket is 1 lower (plus its refill), not 3.
    const refill = ((after.at - before.at) * limit) / 60_000;
    expect(after.tokens).toBeCloseTo(Math.min(limit, before.tokens + refill) - 1, 6);
  });
});

describe("Limiter eviction", () => {
  it("remembers a client's spending across eviction of the limiter object", async () => {
    const client = uniqueClient();
    expect((await takeUntilRefused(holder(3), client)).admitted).toBe(3);
    await abortAllDurableObjects();
    // A fresh isolate asking a fresh limiter instance: still over the limit.
    const outcome = await holder(3).take(client);
    expect(outcome.ok).toBe(false);
    expect((await router.rateLimiter(client).inspect(client, 3)).tokens).toBeLessThan(1);
  });
});

describe("Failing open", () => {
  /** An object that cannot answer `lease`: the call fails as an unreachable limiter's would. */
  const broken = (): LeaseSource =>
    env.SUPERVISOR.get(env.SUPERVISOR.idFromName("not-a-limiter")) as unknown as LeaseSource;

  it("lets requests through while the limiter cannot be reached, and asks again later", async () => {
    let now = Date.now();
    let calls = 0;
    const leases = new ClientLeases({
      limitPerMinute: 3,
      limiter: () => {
        calls += 1;
        return broken();
      },
      now: () => now,
    });
    const client = uniqueClient();
    const outcomes: LeaseOutcome[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await leases.take(client, () => {}));
    expect(outcomes.every((o) => o.ok && o.via === "fail-open")).toBe(true);
    expect(calls).toBe(1); // one failed call, then a second of letting through without asking
    now += 1000;
    await leases.take(client, () => {});
    expect(calls).toBe(2);
  });

  it("answers 201 through the HTTP route when the limiter binding is broken", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const app = createApp();
    const brokenEnv = { ...env, RATE_LIMITER: env.SUPERVISOR, RATE_LIMIT_PER_MINUTE: "1" };
    // One client, limit 1: only failing open lets the second and third through.
    const client = uniqueClient();
    for (let i = 0; i < 3; i++) {
      const r = await app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}/holds`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "CF-Connecting-IP": client },
          body: JSON.stringify({ quantity: 1 }),
        }),
        brokenEnv,
        createExecutionContext(),
      );
      expect(r.status).toBe(201);
    }
  });
});

describe("A lease call that never settles", () => {
  /** A limiter that takes every lease call and never answers it. */
  const silent: LeaseSource = { lease: () => new Promise(() => {}) };
  const PENDING = Symbol("pending");
  /** `work`'s value, or `PENDING` if it has not settled within `ms` (real time). */
  const within = <T>(work: Promise<T>, ms: number): Promise<T | typeof PENDING> =>
    Promise.race([work, new Promise<typeof PENDING>((r) => setTimeout(() => r(PENDING), ms))]);

  it("counts as failed once it has run staleCallMs: fails open, then asks the real limiter a down period later", async () => {
    let now = Date.now();
    let calls = 0;
    // The first call hangs; the rest reach the real limiter.
    const leases = new ClientLeases({
      limitPerMinute: 600,
      limiter: (client) => (calls++ === 0 ? silent : realLimiter(client)),
      now: () => now,
    });
    const client = uniqueClient();
    const deferred: Promise<void>[] = [];
    void leases.take(client, (work) => deferred.push(work));
    expect(deferred).toHaveLength(1); // the waited-for call is kept alive by waitUntil too
    now += 5000;
    // The call is stale: the limiter is down, as after a thrown call — no second call.
    const outcome = await leases.take(client, () => {});
    expect(outcome).toMatchObject({ ok: true, via: "fail-open" });
    expect(leases.takeNow(client, () => {})).toMatchObject({ ok: true, via: "fail-open" });
    expect(calls).toBe(1);
    now += 1000; // the down period (failOpenMs) is over
    expect(await leases.take(client, () => {})).toEqual({ ok: true, via: "limiter" });
    expect(calls).toBe(2);
  });

  it("lets a waiting request through within about staleCallMs, with one call per down period", async () => {
    let calls = 0;
    let skew = 0; // moves the down period along without sleeping through it
    const leases = new ClientLeases({
      limitPerMinute: 60,
      limiter: () => {
        calls += 1;
        return silent;
      },
      staleCallMs: 50,
      now: () => Date.now() + skew,
    });
    const client = uniqueClient();
    const startedAt = Date.now();
    // Concurrent waiters share the one call and are all let through when it goes stale.
    const outcomes = await within(
      Promise.all([1, 2, 3].map(() => leases.take(client, () => {}))),
      1000,
    );
    expect(outcomes).not.toBe(PENDING);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    for (const o of outcomes as LeaseOutcome[]) {
      expect(o).toMatchObject({
        ok: true,
        via: "fail-open",
        error: expect.stringMatching(/50 ms/),
      });
    }
    expect(calls).toBe(1);
    // Within the down period nobody asks the limiter, nor waits.
    for (let i = 0; i < 5; i++) {
      expect(leases.takeNow(client, () => {})).toMatchObject({ ok: true, via: "fail-open" });
      expect(await leases.take(client, () => {})).toMatchObject({ ok: true, via: "fail-open" });
    }
    expect(calls).toBe(1);
    // A down period later: one more call, which fails the same way.
    skew += 1000;
    expect(
      await within(
        leases.take(client, () => {}),
        1000,
      ),
    ).toMatchObject({
      ok: true,
      via: "fail-open",
    });
    expect(calls).toBe(2);
  });

  it("a background refill that never settles: held tokens are spent, then the client fails open, no call in between", async () => {
    let now = Date.now();
    let calls = 0;
    const first: LeaseSource = {
      lease: async (_client, _limit, want) => ({ ok: true, granted: want, ttlMs: 10_000 }),
    };
    const leases = new ClientLeases({
      limitPerMinute: 6000, // leases of 30, refilled at 7 left
      limiter: () => (calls++ === 0 ? first : silent),
      now: () => now,
    });
    const client = uniqueClient();
    expect(await leases.take(client, () => {})).toEqual({ ok: true, via: "limiter" });
    while (calls < 2) expect(leases.takeNow(client, () => {})).toEqual({ ok: true, via: "lease" });
    const held = leases.held(client);
    expect(held).toBeGreaterThan(0);
    now += 5000; // the refill ahead of need is stale now
    for (let i = 0; i < held; i++) {
      expect(leases.takeNow(client, () => {})).toEqual({ ok: true, via: "lease" });
    }
    expect(leases.takeNow(client, () => {})).toMatchObject({ ok: true, via: "fail-open" });
    expect(calls).toBe(2);
  });

  it("a take its caller gave up on spends nothing when the lease arrives", async () => {
    let answer: (grant: unknown) => void = () => {};
    const leases = new ClientLeases({
      limitPerMinute: 600,
      limiter: (client) => ({
        // The call waits; when let go, the real limiter answers it.
        lease: (...args: Parameters<LeaseSource["lease"]>) =>
          new Promise((resolve) => {
            answer = () => resolve(realLimiter(client).lease(...args));
          }),
      }),
    });
    const client = uniqueClient();
    const deferred: Promise<void>[] = [];
    const gaveUp = new AbortController();
    const taking = leases.take(client, (work) => deferred.push(work), gaveUp.signal);
    gaveUp.abort(new Error("deadline passed"));
    answer(null);
    await Promise.all(deferred);
    await expect(taking).rejects.toThrow("deadline passed");
    // The whole lease is still held: the abandoned request took no token of it.
    const leased = leases.held(client);
    expect(leased).toBeGreaterThan(0);
    expect(leases.takeNow(client, () => {})).toEqual({ ok: true, via: "lease" });
    expect(leases.held(client)).toBe(leased - 1);
  });

  it("a stale call that fails later does not mark the limiter down again after a newer call succeeded", async () => {
    let now = Date.now();
    let fail: (error: Error) => void = () => {};
    let calls = 0;
    const leases = new ClientLeases({
      limitPerMinute: 600,
      limiter: (client) =>
        calls++ === 0
          ? { lease: () => new Promise((_, reject) => (fail = reject)) }
          : realLimiter(client),
      now: () => now,
    });
    const client = uniqueClient();
    void leases.take(client, () => {});
    now += 5000; // the first call is stale: failed, the limiter down for a second
    expect(await leases.take(client, () => {})).toMatchObject({ via: "fail-open" });
    now += 1000;
    expect(await leases.take(client, () => {})).toEqual({ ok: true, via: "limiter" });
    fail(new Error("connection reset")); // the stale call fails at last
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Once the held tokens are spent, the client waits for the limiter: it is not down.
    let outcome = leases.takeNow(client, () => {});
    while (outcome?.ok && outcome.via === "lease") outcome = leases.takeNow(client, () => {});
    expect(outcome).toBeNull();
  });

  it("answers 503 deadline-exceeded by the request's deadline through the route, not after the limiter", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    let calls = 0;
    const silentLimiters = new Proxy(env.RATE_LIMITER, {
      get(target, property, receiver) {
        if (property === "get") {
          return () => {
            calls += 1;
            return silent;
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const app = createApp();
    const silentEnv = { ...env, RATE_LIMITER: silentLimiters, RATE_LIMIT_PER_MINUTE: "60" };
    const client = uniqueClient();
    const send = () =>
      app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}/holds`, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "CF-Connecting-IP": client,
            "X-Deadline-Ms": "300", // well inside staleCallMs (5 s)
          },
          body: JSON.stringify({ quantity: 1 }),
        }),
        silentEnv,
        createExecutionContext(),
      );
    for (let i = 0; i < 2; i++) {
      const startedAt = Date.now();
      const r = await within(Promise.resolve(send()), 2000);
      expect(r).not.toBe(PENDING);
      const response = r as Response;
      expect(Date.now() - startedAt).toBeLessThan(2000);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: "deadline-exceeded" });
    }
    expect(calls).toBe(1); // the second request waited on the same call
    // No work was started for a request nobody waits for.
    expect((await http("GET", `/v1/skus/${sku}`)).json).toMatchObject({ held: 0 });
  });
});

describe("Refused refills", () => {
  it("still spends the tokens an isolate holds after a background refill was refused", async () => {
    const limit = 6000; // leases of 30, refilled at 7 left
    const client = uniqueClient();
    const a = holder(limit);
    const b = holder(limit);
    // a takes its first lease (30) and spends down to the low-water mark.
    for (let i = 0; i < 23; i++) expect((await a.take(client)).ok).toBe(true);
    await a.settle();
    // b drains everything else, so a's next background refill is refused.
    await takeUntilRefused(b, client);
    const held = a.leases.held(client);
    expect(held).toBeGreaterThan(0);
    let admitted = 0;
    for (;;) {
      const outcome = await a.take(client);
      await a.settle();
      if (!outcome.ok) break;
      admitted += 1;
    }
    expect(admitted).toBeGreaterThanOrEqual(held);
  });
});
