import scalarBundle from "@scalar/api-reference/browser/standalone.js";
import type { Hono } from "hono";
import type { AppEnv } from "../context";
import { validate } from "../middleware/validate";
import { resource } from "../resource";
import { openApiDocument } from "./document";

export { openApiDocument, openApiPath, problemsOf } from "./document";
export { ROUTES, type RouteSpec } from "./routes";

/**
 * The reference page: Scalar's standalone bundle, served by this Worker (the page works
 * offline; nothing is fetched from a CDN), reading `/openapi.json`.
 */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bulwark API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<script id="api-reference" data-url="/openapi.json" data-configuration='{"agent":{"disabled":true},"withDefaultFonts":false,"showDeveloperTools":"never"}'></script>
<script src="/docs/scalar.js"></script>
</body>
</html>`;

let document: string | undefined;

/** `/openapi.json` (the contract, generated from the zod schemas) and `/docs` (rendered). */
export function openApiRoutes(app: Hono<AppEnv>): void {
  resource(app, "/openapi.json", {
    GET: [
      validate({}),
      (c) => {
        document ??= JSON.stringify(openApiDocument());
        return c.body(document, 200, { "Content-Type": "application/json" });
      },
    ],
  });
  resource(app, "/docs", {
    GET: [validate({}), (c) => c.html(DOCS_PAGE)],
  });
  resource(app, "/docs/scalar.js", {
    GET: [
      validate({}),
      (c) =>
        c.body(scalarBundle, 200, {
          "Content-Type": "text/javascript; charset=utf-8",
          "Cache-Control": "public, max-age=3600",
        }),
    ],
  });
}
