import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, expectTypeOf, it } from "vitest";
import { PROBLEMS, problemTable } from "../../core/http";
import { loadConfig, PROBLEM_TABLE, SERVICES, ShardRouter, services } from "../../durable-objects";
import type { InventoryProtocol } from "../../durable-objects/inventory/protocol";
import { type ActorRef, defineService, ServiceRegistry } from "../../durable-objects/runtime";
import { reservedServiceNames } from "../../durable-objects/services";
import { supervisionSpec } from "../../durable-objects/supervision";
import { createApp } from "../../workers/app";
import { faultBody } from "../../workers/fault-body";
import { logsDuring } from "../log-lines";

type Counter = { get: { payload: { key: string }; value: number } };

const sharded = { kind: "sharded", shards: 4 } as const;

describe("defineService", () => {
  it("derives the var prefix from the kebab-case name and keeps the declared failures", () => {
    const def = defineService<Counter>()({
      name: "user-sessions",
      binding: "USER_SESSIONS",
      placement: sharded,
      failures: { "session-closed": { status: 409, title: "Session Closed" } },
    });
    expect(def.varPrefix).toBe("USER_SESSIONS");
    expect(def.failures).toEqual({ "session-closed": { status: 409, title: "Session Closed" } });
    expectTypeOf(def.name).toEqualTypeOf<"user-sessions">();
  });

  it("refuses a name that is not kebab-case, a binding that is not an identifier, and a non-error status", () => {
    const define = defineService<Counter>();
    expect(() => define({ name: "UserSessions", binding: "X", placement: sharded })).toThrow(
      'service name must be kebab-case, got "UserSessions"',
    );
    expect(() => define({ name: "users", binding: "not a binding", placement: sharded })).toThrow(
      'service users: binding must be an identifier, got "not a binding"',
    );
    expect(() =>
      define({
        name: "users",
        binding: "USERS",
        placement: sharded,
        failures: { gone: { status: 200, title: "Gone" } },
      }),
    ).toThrow("service users: failure gone status must be 400–599, got 200");
    expect(() =>
      define({
        name: "users",
        binding: "USERS",
        placement: sharded,
        failures: { gone: { status: 410, title: "Gone" } },
        internalFailures: ["gone"],
      }),
    ).toThrow(
      'service users: internal failure "gone" must be kebab-case and not also a declared failure',
    );
  });

  it("places the routes under /v1/<name> unless the declaration says routePrefix, and refuses a prefix that is not a path", () => {
    const define = defineService<Counter>();
    expect(define({ name: "user-sessions", binding: "U", placement: sharded }).routePrefix).toBe(
      "/v1/user-sessions",
    );
    const declared = define({
      name: "carts",
      binding: "C",
      placement: sharded,
      routePrefix: "/v2/baskets",
    });
    expect(declared.routePrefix).toBe("/v2/baskets");
    for (const bad of ["v1/carts", "/v1/carts/", "/v1//carts", "/v1/*", "/"]) {
      expect(() =>
        define({ name: "carts", binding: "C", placement: sharded, routePrefix: bad }),
      ).toThrow(
        `service carts: routePrefix must be a path of whole segments like "/v1/carts" (no trailing slash, no wildcard), got "${bad}"`,
      );
    }
  });

  it("records internal failures apart from the declared ones (they join no problem table)", () => {
    const def = defineService<Counter>()({
      name: "users",
      binding: "USERS",
      placement: sharded,
      internalFailures: ["ask-again"],
    });
    expect(def.internalFailures).toEqual(["ask-again"]);
    expect(def.failures).toEqual({});
  });
});

describe("ServiceRegistry", () => {
  const a = defineService<Counter>()({ name: "a", binding: "A", placement: sharded });

  it("refuses two services with one name or one binding", () => {
    const sameName = defineService<Counter>()({ name: "a", binding: "B", placement: sharded });
    const sameBinding = defineService<Counter>()({ name: "b", binding: "A", placement: sharded });
    expect(() => new ServiceRegistry([a, sameName])).toThrow('two services declare the name "a"');
    expect(() => new ServiceRegistry([a, sameBinding])).toThrow(
      'two services declare the binding "A"',
    );
  });

  it("refuses a service named as the deployment names itself: the root supervisor, the edge", () => {
    const named = (name: string) =>
      defineService<Counter>()({ name, binding: "NAMED", placement: sharded });
    const reserved = reservedServiceNames();
    expect(() => new ServiceRegistry([a, named("root")], reserved)).toThrow(
      'the service name "root" is reserved: it is the root supervisor\'s name',
    );
    expect(() => new ServiceRegistry([named("edge")], reserved)).toThrow(/"edge" is reserved/);
    expect(() => new ServiceRegistry([named("edge")])).not.toThrow();
  });

  it("refuses two services with one route prefix", () => {
    const samePrefix = defineService<Counter>()({
      name: "b",
      binding: "B",
      placement: sharded,
      routePrefix: "/v1/a",
    });
    expect(() => new ServiceRegistry([a, samePrefix])).toThrow(
      'two services declare the routePrefix "/v1/a"',
    );
  });

  it("knows a new service's routes from its declaration: whole segments, the longest prefix first", () => {
    // The test worker's example actor, declared as a service beside the reference ones.
    const example = defineService<Counter>()({
      name: "example",
      binding: "EXAMPLE_COUNTER",
      placement: sharded,
    });
    const feeds = defineService<Counter>()({
      name: "sku-feeds",
      binding: "SKU_FEEDS",
      placement: sharded,
      routePrefix: "/v1/skus/:sku/feeds",
    });
    const registry = new ServiceRegistry([...services.definitions, example, feeds]);
    expect(registry.serviceOfRoute("/v1/example")).toBe("example");
    expect(registry.serviceOfRoute("/v1/example/:id/add")).toBe("example");
    expect(registry.serviceOfRoute("/v1/examples/:id")).toBeUndefined();
    expect(registry.serviceOfRoute("/v1/skus/:sku/feeds/:feed")).toBe("sku-feeds");
    expect(registry.serviceOfRoute("/v1/skus/:sku/holds")).toBe("inventory");
    for (const d of services.definitions) {
      expect(registry.serviceOfRoute(`${d.routePrefix}/:key`)).toBe(d.name);
    }
    expect(registry.serviceOfRoute("/v1/ops/faults")).toBeUndefined();
  });

  it("fails configuration when a declared binding is missing, naming the binding", () => {
    expect(() => new ServiceRegistry([a]).resolve({ ...env })).toThrow(
      "service a: Durable Object binding A is missing from the environment",
    );
  });

  it("applies <NAME>_SHARDS over the declared count and validates it naming the var", () => {
    const registry = new ServiceRegistry([{ ...a, binding: "INVENTORY" }]);
    expect(registry.resolve(env).a.shards?.shardCount).toBe(4);
    expect(registry.resolve({ ...env, A_SHARDS: "7" }).a.shards?.shardCount).toBe(7);
    expect(() => registry.resolve({ ...env, A_SHARDS: "0" })).toThrow(
      'A_SHARDS must be an integer from 1 to 1024, got "0"',
    );
  });

  it("resolves per-entity placement with <NAME>_IDLE_TIMEOUT_MS over the declared timeout", () => {
    const entity = defineService<Counter>()({
      name: "carts",
      binding: "INVENTORY",
      placement: { kind: "entity", idleTimeoutMs: 30_000 },
    });
    const registry = new ServiceRegistry([entity]);
    expect(registry.resolve(env).carts).toMatchObject({
      placement: { kind: "entity", idleTimeoutMs: 30_000 },
      shards: null,
    });
    expect(registry.resolve({ ...env, CARTS_IDLE_TIMEOUT_MS: "5" }).carts.placement).toEqual({
      kind: "entity",
      idleTimeoutMs: 5,
      partitions: 16,
      retentionMs: null, // not declared: a passive entity's storage is kept for ever
    });
    expect(registry.resolve({ ...env, CARTS_PARTITIONS: "4" }).carts.placement).toMatchObject({
      partitions: 4,
    });
    expect(() => registry.resolve({ ...env, CARTS_PARTITIONS: "0" })).toThrow(
      'CARTS_PARTITIONS must be an integer from 1 to 1024, got "0"',
    );
  });

  it("resolves an entity's retention: declared, or set, overridden or switched off by <NAME>_RETENTION_MS", () => {
    const declare = (retentionMs?: number) =>
      new ServiceRegistry([
        defineService<Counter>()({
          name: "carts",
          binding: "INVENTORY",
          placement: { kind: "entity", idleTimeoutMs: 30_000, retentionMs },
        }),
      ]);
    const retention = (registry: ReturnType<typeof declare>, vars: object = {}) => {
      const { placement } = registry.resolve({ ...env, ...vars }).carts;
      return placement.kind === "entity" ? placement.retentionMs : "sharded";
    };
    expect(retention(declare())).toBeNull();
    expect(retention(declare(), { CARTS_RETENTION_MS: "" })).toBeNull();
    expect(retention(declare(), { CARTS_RETENTION_MS: "600000" })).toBe(600_000);
    expect(retention(declare(86_400_000))).toBe(86_400_000);
    expect(retention(declare(86_400_000), { CARTS_RETENTION_MS: "5" })).toBe(5);
    // `off` keeps a passive entity's storage for ever, whatever the declaration says.
    expect(retention(declare(86_400_000), { CARTS_RETENTION_MS: "off" })).toBeNull();
    expect(retention(declare(), { CARTS_RETENTION_MS: "off" })).toBeNull();
    for (const bad of ["0", "Off", "never"]) {
      expect(() => retention(declare(), { CARTS_RETENTION_MS: bad })).toThrow(
        `CARTS_RETENTION_MS must be "off" or an integer from 1 to 31536000000, got "${bad}"`,
      );
    }
  });

  it("reads typed settings eagerly and passes on their messages", () => {
    const withSettings = defineService<Counter>()({
      name: "a",
      binding: "INVENTORY",
      placement: sharded,
      settings: (vars) => {
        const raw = Number(vars.A_TTL_MS ?? 100);
        if (raw < 1) throw new Error(`A_TTL_MS must be at least 1, got ${raw}`);
        return { ttlMs: raw };
      },
    });
    const registry = new ServiceRegistry([withSettings]);
    const settings = registry.resolve(env).a.settings;
    expectTypeOf(settings).toEqualTypeOf<{ ttlMs: number }>();
    expect(settings).toEqual({ ttlMs: 100 });
    expect(() => registry.resolve({ ...env, A_TTL_MS: "0" })).toThrow(
      "A_TTL_MS must be at least 1, got 0",
    );
  });
});

describe("The reference system's registry", () => {
  it("configures every registered service from its declaration and vars", () => {
    const config = loadConfig(env);
    expect(Object.keys(config.services)).toEqual([...SERVICES]);
    for (const name of SERVICES) {
      const def = services.get(name);
      expect(config.services[name]).toMatchObject({ name, binding: def.binding });
      const vars = env as unknown as Record<string, string>;
      const { placement, shards } = config.services[name];
      if (placement.kind === "entity") {
        expect(shards).toBeNull();
        expect(placement.idleTimeoutMs).toBe(Number(vars[`${def.varPrefix}_IDLE_TIMEOUT_MS`]));
        expect(placement.partitions).toBe(Number(vars[`${def.varPrefix}_PARTITIONS`]));
        expect(placement.retentionMs).toBe(Number(vars[`${def.varPrefix}_RETENTION_MS`]));
      } else {
        expect(shards?.shardCount).toBe(Number(vars[`${def.varPrefix}_SHARDS`]));
      }
    }
  });

  it("fails the first request with a message naming a declared binding missing from the environment", async () => {
    const broken = { ...env, ORDERS: undefined };
    expect(() => loadConfig(broken)).toThrow(
      "service orders: Durable Object binding ORDERS is missing from the environment",
    );
    let status = 0;
    const lines = await logsDuring(async () => {
      const ctx = createExecutionContext();
      const request = new Request("http://edge.test/v1/skus/registry-sku");
      status = (await createApp().fetch(request, broken, ctx)).status;
      await waitOnExecutionContext(ctx);
    });
    expect(status).toBe(500);
    expect(lines.filter((l) => l.event === "internal-error").map((l) => l.error)).toContain(
      "service orders: Durable Object binding ORDERS is missing from the environment " +
        "(declare it under [[durable_objects.bindings]] in wrangler.toml)",
    );
  });

  it("takes a sharded service's own <NAME>_SUPERVISOR_STRATEGY over SUPERVISOR_STRATEGY, validated naming the var", () => {
    const config = loadConfig({ ...env, INVENTORY_SUPERVISOR_STRATEGY: "simple_one_for_one" });
    expect(config.services.inventory.flags.strategy).toBe("simple_one_for_one");
    expect(config.services.orders.flags.strategy).toBe("one_for_one");
    expect(() => loadConfig({ ...env, ORDERS_SUPERVISOR_STRATEGY: "one_for_none" })).toThrow(
      'ORDERS_SUPERVISOR_STRATEGY must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one, got "one_for_none"',
    );
  });

  it("refuses a strategy set for a per-entity service as a config error naming the var (its strategies are fixed)", async () => {
    const broken = { ...env, SESSIONS_SUPERVISOR_STRATEGY: "one_for_all" };
    const message =
      "SESSIONS_SUPERVISOR_STRATEGY cannot apply: sessions places one object per entity, so its " +
      "supervisors' strategies are fixed (one_for_one over its partitions, simple_one_for_one in each); unset it";
    expect(() => loadConfig(broken)).toThrow(message);
    let status = 0;
    const lines = await logsDuring(async () => {
      const ctx = createExecutionContext();
      const request = new Request("http://edge.test/v1/skus/registry-sku");
      status = (await createApp().fetch(request, broken, ctx)).status;
      await waitOnExecutionContext(ctx);
    });
    expect(status).toBe(500);
    expect(lines.filter((l) => l.event === "internal-error").map((l) => l.error)).toContain(
      message,
    );
  });

  it("keeps SUPERVISOR_STRATEGY for the sharded services: a per-entity service's supervisors run their fixed strategies", () => {
    const config = loadConfig({ ...env, SUPERVISOR_STRATEGY: "one_for_all" });
    expect(config.services.inventory.flags.strategy).toBe("one_for_all");
    expect(supervisionSpec(config, "sessions")?.flags?.strategy).toBe("one_for_one");
    expect(supervisionSpec(config, "sessions/p0")?.flags?.strategy).toBe("simple_one_for_one");
  });

  it("reads orders' typed settings (ORDERS_RESUME_MS) and validates them naming the var", () => {
    expect(loadConfig({ ...env, ORDERS_RESUME_MS: "250" }).services.orders.settings).toEqual({
      resumeMs: 250,
    });
    expect(() => loadConfig({ ...env, ORDERS_RESUME_MS: "0" })).toThrow(
      'ORDERS_RESUME_MS must be an integer from 1 to 3600000, got "0"',
    );
  });

  it("routes router.to(service, key) to the key's shard with a reference typed by its protocol", async () => {
    const router = new ShardRouter(env);
    const ref = router.to("inventory", "registry-sku");
    expectTypeOf(ref).toEqualTypeOf<ActorRef<InventoryProtocol>>();
    expect((await ref.call("putSku", { sku: "registry-sku", stock: 3 })).ok).toBe(true);
    const direct = router.ref(router.locate("inventory", "registry-sku"));
    expect(await direct.call("getSku", { sku: "registry-sku" })).toMatchObject({
      ok: true,
      value: { sku: "registry-sku", stock: 3 },
    });
  });

  it("builds the supervision tree from the registry: one supervisor per service, one child per shard or entity partition", () => {
    const config = loadConfig(env);
    const root = supervisionSpec(config, "root");
    expect(root?.children.map((c) => c.id)).toEqual([...SERVICES]);
    for (const name of SERVICES) {
      const spec = supervisionSpec(config, name);
      const { placement, shards } = config.services[name];
      if (placement.kind === "entity") {
        // An entity service supervises its partitions; each lists the active entities.
        expect(spec?.children.map((c) => c.id)).toEqual(
          Array.from({ length: placement.partitions }, (_, i) => `${name}/p${i}`),
        );
        const partition = supervisionSpec(config, `${name}/p0`);
        expect(partition?.flags?.strategy).toBe("simple_one_for_one");
        expect(partition?.children[0]?.address.binding).toBe(services.get(name).binding);
        expect(supervisionSpec(config, `${name}/p${placement.partitions}`)).toBeNull();
        continue;
      }
      expect(spec?.children).toHaveLength(shards?.shardCount ?? 0);
      expect(spec?.children[0]?.address.binding).toBe(services.get(name).binding);
    }
  });

  it("accepts every registered service in the fault schema and names them when refusing one", () => {
    for (const service of SERVICES) {
      expect(faultBody.safeParse({ service, kind: "crash" }).success).toBe(true);
    }
    const refused = faultBody.safeParse({ service: "payments", kind: "crash" });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ["service"], values: [...SERVICES] });
  });

  it("puts every service's declared failures in the problem table, with their status", () => {
    for (const name of SERVICES) {
      for (const [code, spec] of Object.entries(services.get(name).failures)) {
        expect(PROBLEM_TABLE[code]).toEqual(spec);
      }
    }
    for (const [code, spec] of Object.entries(PROBLEMS)) expect(PROBLEM_TABLE[code]).toEqual(spec);
  });

  it("refuses a failure code two sources declare with different answers", () => {
    expect(() =>
      problemTable(PROBLEMS, [
        { source: "service carts", failures: { "not-found": { status: 410, title: "Gone" } } },
      ]),
    ).toThrow('problem not-found: service carts declares 410 "Gone", core 404 "Not Found"');
  });
});
