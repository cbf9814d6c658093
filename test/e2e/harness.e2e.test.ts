import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freeLoopbackPorts } from "./free-ports";
import { fetchJson, startDev } from "./harness";

describe("the e2e harness", () => {
  it("starts wrangler dev on new ports when another process took the ones it chose", async () => {
    // Another process holds a port the harness chose (the race between choosing and binding).
    const squatter = createServer((socket) => socket.destroy()); // holds the port, answers nothing
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const address = squatter.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    const tries: number[][] = [];
    const choosePorts = async () => {
      const [inspector] = await freeLoopbackPorts(1);
      const ports =
        tries.length === 0 ? [address.port, inspector as number] : await freeLoopbackPorts(2);
      tries.push(ports);
      return ports;
    };
    try {
      const server = await startDev({ choosePorts });
      try {
        expect(tries).toHaveLength(2);
        expect(server.port).toBe(tries[1]?.[0]);
        expect((await fetchJson(`${server.url}/healthz`)).status).toBe(200);
      } finally {
        await server.stop();
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
