/**
 * A real webhook receiver for e2e tests: an HTTP server on a free loopback port, in the test
 * process, that verifies every request with the `standardwebhooks` package (an independent
 * implementation of the specification) and records what it saw. Rules let a test make it
 * refuse the first attempts of notifications about one alarm source.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request the receiver got. */
export interface Received {
  readonly id: string;
  readonly timestamp: string;
  readonly verified: boolean;
  readonly status: number;
  readonly body: {
    type?: string;
    timestamp?: string;
    data?: { id?: string; name?: string; source?: string };
  };
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: Received[];
  /** Answer `status` to the first `times` attempts of notifications about `source`. */
  refuse(source: string, times: number, status?: number): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts a receiver that verifies with `secret` (`whsec_…`). */
export async function startReceiver(secret: string): Promise<WebhookReceiver> {
  const hook = new Webhook(secret);
  const received: Received[] = [];
  const refusals = new Map<string, { left: number; status: number }>();
  const server: Server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const headers = {
      "webhook-id": String(request.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
    };
    let verified = false;
    try {
      hook.verify(raw, headers);
      verified = true;
    } catch {
      verified = false;
    }
    const body = JSON.parse(raw) as Received["body"];
    const rule = refusals.get(body.data?.source ?? "");
    const status = !verified ? 401 : rule && rule.left > 0 ? rule.status : 204;
    if (rule && rule.left > 0 && verified) rule.left -= 1;
    received.push({
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      verified,
      status,
      body,
    });
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bulwark-alarms`,
    received,
    refuse: (source, times, status = 503) => refusals.set(source, { left: times, status }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
