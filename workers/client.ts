import type { Context } from "hono";
import { clientKey } from "../core/http";
import type { AppEnv } from "./context";

/**
 * Who the client is, for every per-client limit (rate limit, held units, listeners, admin
 * guessing): its address as the platform sets it (`CF-Connecting-IP`), an IPv6 client by
 * its /64 (see `clientKey`). `unknown` when the header is missing (local runs without it).
 */
export const clientOf = (c: Context<AppEnv>): string =>
  clientKey(c.req.header("CF-Connecting-IP") ?? "unknown");
