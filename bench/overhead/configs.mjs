/**
 * The servers of the overhead bench. Each answers the same two routes with the product's
 * JSON: the read `GET /v1/skus/{sku}` and the write `POST /v1/skus/{sku}/holds` (check stock,
 * record a hold with its expiry, in one transaction). `b` is the baseline every ratio is
 * taken against.
 */

export const TOKEN = "bench-token";
export const SKU = "bench-sku";
/** Stock seeded before each sample: far more than any run can hold (the product's maximum). */
export const STOCK = 1_000_000_000;
/**
 * The write's body. TTL 900 s (the product's default maximum): no hold expires within a round
 * (fresh servers each round; a six-server round's write workload takes about 75 s).
 */
export const HOLD = { quantity: 1, ttlSeconds: 900 };

/**
 * The product's vars. The per-client rate limit stays ON (every bench request comes from one
 * client, so the limit is set as high as the product accepts, 10,000,000/min, not to bind);
 * shard admission stays ON with a rate and burst that do not bind either: this bench
 * measures what the runtime costs per request, bench/overload measures refusing.
 */
const PRODUCT_VARS = {
  ADMIN_TOKEN: TOKEN,
  RATE_LIMIT_PER_MINUTE: "10000000",
  // One client holds every unit of the run: the per-client hoarding cap would refuse it.
  HOLD_MAX_UNITS_PER_CLIENT: "1000000000",
  INVENTORY_RATE_PER_SECOND: "1000000",
  INVENTORY_BURST: "1000000",
};

export const CONFIGS = [
  {
    key: "a",
    name: "product",
    what: "the full Bulwark stack (wrangler.toml): edge middleware, rate limit, router, breaker, actor pipeline",
    config: "wrangler.toml",
    vars: PRODUCT_VARS,
    seedHeaders: { authorization: `Bearer ${TOKEN}` },
  },
  {
    key: "v",
    name: "product, visibility off",
    what: "the same full stack with VISIBILITY=off: no metrics recorded or flushed (the cost of visibility is a/v)",
    config: "wrangler.toml",
    vars: { ...PRODUCT_VARS, VISIBILITY: "off" },
    seedHeaders: { authorization: `Bearer ${TOKEN}` },
  },
  {
    key: "b",
    name: "bare",
    what: "bare Worker → DurableObject over native RPC (bench/overhead/bare)",
    config: "bench/overhead/bare/wrangler.toml",
    vars: {},
    seedHeaders: {},
  },
  {
    key: "c",
    name: "itty",
    what: "itty-durable 2.4.1 proxy stub: a fetch with JSON args (bench/overhead/itty)",
    config: "bench/overhead/itty/wrangler.toml",
    vars: {},
    seedHeaders: {},
  },
  {
    key: "d",
    name: "actors",
    what: "@cloudflare/actors 0.0.1-beta.6: SkuActor.get(sku) + RPC (bench/overhead/actors)",
    config: "bench/overhead/actors/wrangler.toml",
    vars: {},
    seedHeaders: {},
  },
  {
    key: "e",
    name: "partyserver",
    what: "partyserver 0.5.9: routePartykitRequest → Server.onRequest (bench/overhead/partyserver)",
    config: "bench/overhead/partyserver/wrangler.toml",
    vars: {},
    seedHeaders: {},
  },
];

/** The two workloads measured on every server, in this order. */
export const WORKLOADS = [
  { key: "read", method: "GET", path: (sku) => `/v1/skus/${sku}`, expect: 200 },
  {
    key: "write",
    method: "POST",
    path: (sku) => `/v1/skus/${sku}/holds`,
    body: HOLD,
    headers: { "content-type": "application/json" },
    expect: 201,
  },
];
