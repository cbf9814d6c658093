import type { Context, Hono, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { logEvent } from "../../core/log";
import {
  alarmManager,
  isService,
  ROOT,
  SERVICES,
  type ShardAddress,
  type ShardRouter,
} from "../../durable-objects";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { faultBody } from "../fault-body";
import { adminAuth } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { resource } from "../resource";

const root = (c: Context<AppEnv>) => c.env.SUPERVISOR.get(c.env.SUPERVISOR.idFromName(ROOT));

/**
 * Which objects a fault targets: the owner of `sku`/`orderId`/`key`, shard `shard`, or every
 * shard. A per-entity service has no fixed set of objects: its faults name a `key`.
 */
function faultTargets(router: ShardRouter, fault: z.infer<typeof faultBody>): ShardAddress[] {
  if (fault.sku !== undefined) return [router.locate("inventory", fault.sku)];
  if (fault.orderId !== undefined) return [router.locate("orders", fault.orderId)];
  if (fault.key !== undefined) return [router.locate(fault.service, fault.key)];
  if (router.shards(fault.service).length === 0) {
    throw new Problem(
      "invalid-request",
      `key: ${fault.service} places one object per key, so its faults name the key`,
    );
  }
  if (fault.shard !== undefined) {
    const shard = router.shard(fault.service, fault.shard);
    if (!shard) {
      const count = router.shards(fault.service).length;
      throw new Problem("invalid-request", `shard: ${fault.service} has shards 0 to ${count - 1}`);
    }
    return [shard];
  }
  return router.shards(fault.service);
}

/**
 * A service that runs (restarted or already up) has no `service-down` and no
 * `restart-intensity-exceeded`: clear both, so a lost clear heals on the admin restart. A
 * failure is logged and never fails the restart.
 */
async function clearSupervisionAlarms(c: Context<AppEnv>, service: string): Promise<void> {
  const alarms = alarmManager(c.env);
  for (const name of ["service-down", "restart-intensity-exceeded"]) {
    await alarms.clear(name, service).catch((error: Error) =>
      logEvent("error", "alarm-report-failed", {
        requestId: c.get("requestId"),
        alarm: name,
        service,
        error: error.message,
      }),
    );
  }
}

/** Fault injection exists only when `FAULT_INJECTION=on`; otherwise its routes are 404. */
function faultsEnabled(): MiddlewareHandler<AppEnv> {
  return async function faultsEnabledMiddleware(c, next) {
    if (!c.get("router").config.faultInjection)
      throw new Problem("not-found", `no route for ${c.req.path}`);
    await next();
  };
}

/** Operations: the supervision tree, restarting a service, and fault injection. */
export function opsRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/ops/supervision", {
    GET: [adminAuth(), validate({}), async (c) => c.json(await root(c).tree())],
  });

  resource(app, "/v1/ops/supervision/:service/restart", {
    POST: [
      adminAuth(),
      validate({}),
      async (c) => {
        const service = c.req.param("service") ?? "";
        if (!isService(service)) {
          throw new Problem(
            "not-found",
            `unknown service "${service}"; services are ${SERVICES.join(", ")}`,
          );
        }
        // OTP's restart_child: a service that runs answers `running`, a no-op here.
        const restarted = await root(c).restartChild(service);
        if (!("error" in restarted) || restarted.error === "running")
          await clearSupervisionAlarms(c, service);
        if ("error" in restarted && restarted.error === "not_found") {
          throw new Problem("not-found", `service ${service} is not supervised`);
        }
        if ("error" in restarted && restarted.error !== "running") {
          const why = [restarted.error, restarted.detail].filter(Boolean).join(": ");
          throw new Problem("service-unavailable", `service ${service} did not start: ${why}`);
        }
        const child = (await root(c).tree()).children.find((entry) => entry.id === service);
        if (!child?.supervisor)
          throw new Problem("not-found", `service ${service} is not supervised`);
        return c.json(child.supervisor);
      },
    ],
  });

  resource(app, "/v1/ops/faults", {
    POST: [
      faultsEnabled(),
      adminAuth(),
      jsonBody(),
      validate({ body: faultBody }),
      async (c) => {
        const fault = input<z.infer<typeof faultBody>>(c).body;
        const router = c.get("router");
        const shards = faultTargets(router, fault);
        const spec = { kind: fault.kind, count: fault.count, ms: fault.ms, step: fault.step };
        await Promise.all(shards.map((shard) => router.actor(shard).injectFault(spec)));
        return c.json({ service: fault.service, shards: shards.map((s) => s.name), ...spec }, 201);
      },
    ],
    DELETE: [
      faultsEnabled(),
      adminAuth(),
      validate({}),
      async (c) => {
        const router = c.get("router");
        const shards = SERVICES.flatMap((service) => router.shards(service));
        await Promise.all(shards.map((shard) => router.actor(shard).clearFaults()));
        return c.json({ cleared: shards.map((s) => s.name) });
      },
    ],
  });
}
