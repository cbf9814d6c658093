/**
 * Test vocabulary for Bulwark's HTTP contract (docs/api.md): one dev server per test file, the
 * admin header, unique names, and the problem+json check every error answer must pass.
 */
import { afterAll, beforeAll, expect } from "vitest";
import {
  ADMIN_TOKEN,
  type DevServer,
  type JsonResponse,
  type StartDevOptions,
  startDev,
} from "./harness";

/** The dev server of the current test file and URLs on it. */
export interface Bulwark {
  /** The server; throws if `beforeAll` has not started it. */
  readonly server: DevServer;
  /** `path` (starting with `/`) on the server. */
  url(path: string): string;
}

/**
 * Starts one dev server for the calling test file in `beforeAll` and stops it in
 * `afterAll`. Call it at the top level of the file.
 */
export function useBulwark(opts?: StartDevOptions): Bulwark {
  let server: DevServer | undefined;
  beforeAll(async () => {
    server = await startDev(opts);
  });
  afterAll(async () => {
    await server?.stop();
  });
  const current = (): DevServer => {
    if (server === undefined) throw new Error("the dev server is not running (beforeAll failed?)");
    return server;
  };
  return {
    get server() {
      return current();
    },
    url: (path) => `${current().url}${path}`,
  };
}

/** `Authorization` for admin endpoints, with the token `startDev` passes by default. */
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` } as const;

let sequence = 0;

/**
 * A sku (or other key) no other test or earlier run used: tests in one file share a server
 * and its state. Always matches the contract's `^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`.
 */
export function unique(label: string): string {
  sequence += 1;
  return `${label}-${Date.now()}-${sequence}`;
}

/** One line describing an answer, shown when an assertion on it fails. */
export function describeAnswer(res: JsonResponse): string {
  const type = res.headers.get("content-type") ?? "(no content-type)";
  return `got ${res.status} ${type} ${JSON.stringify(res.body).slice(0, 400)}`;
}

/** Asserts the status of an answer, printing the answer if it differs. */
export function expectStatus(res: JsonResponse, status: number): void {
  expect(res.status, describeAnswer(res)).toBe(status);
}

/** Asserts an RFC 9457 answer with the contract's `status` and `code`. */
export function expectProblem(res: JsonResponse, status: number, code: string): void {
  expectStatus(res, status);
  expect(res.headers.get("content-type"), describeAnswer(res)).toMatch(
    /^application\/problem\+json/,
  );
  expect(res.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
  });
}

/** The body as an object; fails the test if it is not one. */
export function record(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(body)}`);
  }
  return Object.fromEntries(Object.entries(body));
}

/** `body[key]` as a string; fails the test if it is anything else. */
export function text(body: unknown, key: string): string {
  const value = record(body)[key];
  if (typeof value !== "string")
    throw new Error(`expected ${key} to be a string in ${JSON.stringify(body)}`);
  return value;
}

/** `body[key]` as a number; fails the test if it is anything else. */
export function count(body: unknown, key: string): number {
  const value = record(body)[key];
  if (typeof value !== "number")
    throw new Error(`expected ${key} to be a number in ${JSON.stringify(body)}`);
  return value;
}
