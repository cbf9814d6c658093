/**
 * The page's browser modules where they need no DOM, run in Node: the live channel
 * (`live-channel.mjs`; Node's `fetch` streams like a browser's) against small real HTTP
 * servers on loopback, and the notification panel's alarm labels.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  LiveChannel,
  reconnectDelay,
  SseParser,
} from "../../workers/dashboard/browser/live-channel.mjs";
import { alarmLabel } from "../../workers/dashboard/browser/notifications-panel.mjs";

describe("SseParser", () => {
  it("splits events across arbitrary chunk boundaries, CRLF included, skipping comments", () => {
    const parser = new SseParser();
    const text =
      ': hi\r\nevent: hello\r\ndata: {"tickMs":500}\r\n\r\nevent: chart\ndata: 1\ndata: 2\n\n';
    const events = [];
    for (const char of text) events.push(...parser.push(char));
    expect(events).toEqual([
      { event: "hello", data: '{"tickMs":500}' },
      { event: "chart", data: "1\n2" },
    ]);
  });

  it("keeps an unfinished event until its blank line arrives", () => {
    const parser = new SseParser();
    expect(parser.push("event: a\ndata: x\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ event: "a", data: "x" }]);
  });
});

describe("reconnectDelay", () => {
  it("doubles from 0.5 s, keeps at least half of each ceiling, and stops growing at 10 s", () => {
    expect([1, 2, 3, 4].map((a) => reconnectDelay(a, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((a) => reconnectDelay(a, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect(reconnectDelay(50, () => 1)).toBe(10_000);
    expect(reconnectDelay(50, () => 0)).toBe(5000);
  });
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serves every request with `answer`; resolves to the server's base URL. */
async function serve(
  answer: (res: ServerResponse, n: number, auth: string) => void,
): Promise<string> {
  let n = 0;
  const created = createServer((req, res) => {
    n += 1;
    answer(res, n, req.headers.authorization ?? "");
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
}

type State = { kind: string; attempt?: number; reason?: string };

function channel(url: string, token = "t0k") {
  const states: State[] = [];
  const events: Array<{ event: string; data: string }> = [];
  const live = new LiveChannel({
    url,
    token,
    onEvent: (event) => events.push(event),
    onState: (state) => states.push(state),
  });
  return { live, states, events, done: live.start() };
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("LiveChannel", () => {
  it("sends the token as a bearer header, goes live on hello and delivers every event", async () => {
    const seen: string[] = [];
    const url = await serve((res, _n, auth) => {
      seen.push(auth);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: hello\ndata: {"tickMs":100}\n\nevent: supervision\ndata: {"x":1}\n\n');
    });
    const { live, states, events, done } = channel(`${url}/v1/ops/live`);
    await until(() => events.length === 2, "two events");
    live.stop();
    await done;
    expect(seen[0]).toBe("Bearer t0k");
    expect(events.map((e) => e.event)).toEqual(["hello", "supervision"]);
    expect(states.map((s) => s.kind)).toEqual(["connecting", "live", "stopped"]);
  });

  it("reports unauthorized on a 401 and stops trying", async () => {
    const url = await serve((res) => {
      res.writeHead(401, { "content-type": "application/problem+json" });
      res.end('{"code":"unauthorized"}');
    });
    const { states, done } = channel(url);
    await done;
    expect(states.map((s) => s.kind)).toEqual(["connecting", "unauthorized"]);
  });

  it("reconnects after the stream ends, says why, and is live again", async () => {
    const url = await serve((res, n) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: hello\ndata: {"tickMs":100}\n\n');
      if (n === 1) res.end();
    });
    const { live, states, done } = channel(url);
    await until(() => states.filter((s) => s.kind === "live").length === 2, "live twice");
    live.stop();
    await done;
    expect(states.slice(0, 4)).toMatchObject([
      { kind: "connecting" },
      { kind: "live" },
      { kind: "reconnecting", attempt: 1, reason: "stream ended" },
      { kind: "live" },
    ]);
  });

  it("counts attempts up while the server refuses, quoting its problem detail", async () => {
    const url = await serve((res, n) => {
      if (n <= 2) {
        res.writeHead(429, { "content-type": "application/problem+json" });
        res.end('{"detail":"too many failed admin authentications"}');
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: hello\ndata: {"tickMs":100}\n\n');
    });
    const { live, states, done } = channel(url);
    await until(() => states.some((s) => s.kind === "live"), "live", 10_000);
    live.stop();
    await done;
    expect(states.slice(0, 4)).toMatchObject([
      { kind: "connecting" },
      { kind: "reconnecting", attempt: 1, reason: "429: too many failed admin authentications" },
      { kind: "reconnecting", attempt: 2 },
      { kind: "live" },
    ]);
  });
});

describe("alarmLabel", () => {
  it("shows an alarm id as its name and decoded source, anything else as it is", () => {
    const id = `stock-depleted.${Buffer.from("tee:red/1").toString("base64url")}`;
    expect(alarmLabel(id)).toBe("stock-depleted (tee:red/1)");
    expect(alarmLabel("service-down.aW52ZW50b3J5")).toBe("service-down (inventory)");
    expect(alarmLabel("not an id")).toBe("not an id");
  });
});
