import { Hono } from "hono";
export const app = new Hono<{ Bindings: Cloudflare.Env }>();
app.get("/healthz", (c) => c.json({ status: "ok" }));
