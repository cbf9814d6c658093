import { round } from "../lib/stats.mjs";

/**
 * Chooses the regulated rate R from one probe: how many holds per second the shard serves
 * on this machine with regulation off (closed loop, flat out) — its real capacity C.
 *
 * The shard is given simulated work, `INVENTORY_SERVICE_TIME_MS` = W (default 20 ms): each
 * state-changing command occupies it for W ms, one at a time, so C ≈ 1000/W is a real limit
 * far below what the machine can generate and refuse. Without it (W = 0) the shard's
 * capacity would be the whole machine's, R a token-bucket fiction, and offering 5×R would
 * measure two shared cores rather than the regulator.
 *
 * R = `shardUtilization` × C (default 0.8): capacity is planned below the real limit so
 * that admitted commands do not queue behind each other. With W = 0, R = C/3 instead, so
 * that 5×R still exceeds what one shard serves. `BENCH_RATE` fixes R and skips the probe.
 */
export async function chooseCapacity(opts, { probe, productVars }, log) {
  const serviceTimeMs = opts.serviceTimeMs ?? 20;
  if (opts.fixedRate) {
    const reason = `R = ${opts.fixedRate}/s from BENCH_RATE (probe skipped), W = ${serviceTimeMs} ms`;
    log(`overload: ${reason}`);
    return { capacity: opts.fixedRate, serviceTimeMs, shardCapacity: null, reason };
  }
  const vars = productVars(opts, 1, { regulation: "off", serviceTimeMs });
  // 4 connections keep a serial shard busy; without simulated work, saturate the machine.
  const connections = serviceTimeMs > 0 ? 4 : 50;
  const real = await probe(vars, "probe: unregulated shard", opts, connections);
  const nominal = serviceTimeMs > 0 ? round(1000 / serviceTimeMs, 1) : null;
  log(
    `  unregulated shard, INVENTORY_SERVICE_TIME_MS=${serviceTimeMs}, ${connections} connections: ${real.rps} holds/s  p50 ${real.p50} ms  p99 ${real.p99} ms${nominal ? ` (nominal 1000/W = ${nominal}/s)` : ""}  ${JSON.stringify(real.statuses)}`,
  );
  if (nominal && real.rps > nominal * 1.5) {
    log(`WARNING: ${real.rps}/s is far above 1000/W: is INVENTORY_SERVICE_TIME_MS still read?`);
  }
  const share = serviceTimeMs > 0 ? opts.shardUtilization : 1 / 3;
  const capacity = Math.max(1, Math.floor(real.rps * share));
  const reason =
    serviceTimeMs > 0
      ? `shard capacity C = ${real.rps}/s measured (simulated work W = ${serviceTimeMs} ms/command); R = ${opts.shardUtilization} × C → ${capacity}/s, planned below C so admitted holds do not queue; ${opts.factor}×R = ${capacity * opts.factor}/s offered is ${round((capacity * opts.factor) / real.rps, 2)}× what the shard can serve`
      : `no simulated work: C = ${real.rps}/s is the machine's; R = C/3 → ${capacity}/s so that ${opts.factor}×R still exceeds it`;
  log(`overload: ${reason}`);
  return {
    capacity,
    serviceTimeMs,
    shardCapacity: { measured: real.rps, nominal, p50: real.p50, p99: real.p99 },
    reason,
  };
}
