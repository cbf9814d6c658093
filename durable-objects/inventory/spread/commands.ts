import { fail, ok, read, saga, write } from "../../runtime";
import type { InventoryProtocol } from "../protocol";
import type { InventoryStore } from "../store";
import { skuView } from "../store";
import type { HotSkus } from "./hot-skus";

type P<C extends keyof InventoryProtocol> = InventoryProtocol[C]["payload"];

const notFound = (sku: string) => fail("not-found", `sku ${sku} does not exist`);

/**
 * The hot-SKU commands of the inventory shard (see `InventoryProtocol`). Allocation moves
 * and reports are sent with the reserved lane by their callers: they finish work already
 * admitted. `reportPart` only records, so it is intake (no admission, no service time).
 */
export function hotSkuCommands(hot: () => HotSkus, store: () => InventoryStore) {
  return {
    getPlacement: read(({ sku }: P<"getPlacement">) => {
      const placement = hot().coordinator.placement(sku);
      return placement ? ok(placement) : notFound(sku);
    }),
    setPlacement: write((p: P<"setPlacement">, cx) =>
      hot().coordinator.setPlacement(p.sku, p.subShards, cx.now),
    ),
    getPart: read(({ sku }: P<"getPart">) => {
      const row = store().sku(sku);
      return row ? ok(skuView(row)) : notFound(sku);
    }),
    yieldAllocation: write((p: P<"yieldAllocation">, cx) => hot().side.yieldAllocation(p, cx.now)),
    acceptAllocation: write((p: P<"acceptAllocation">, cx) =>
      hot().side.acceptAllocation(p, cx.now),
    ),
    rebalance: saga((p: P<"rebalance">, cx) => hot().rebalancer.rebalance(p, cx)),
    keyedReply: read(({ key, fingerprint }: P<"keyedReply">) =>
      ok(hot().recordedReply(key, fingerprint)),
    ),
    reportPart: write(
      (p: P<"reportPart">, cx) => {
        hot().coordinator.notePart(p.sku, p.subShard, p.part, cx.now);
        return ok(null);
      },
      { intake: true },
    ),
  };
}
