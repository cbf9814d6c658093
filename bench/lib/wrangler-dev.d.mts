/** A `wrangler dev` started by `startWranglerDev` (see `wrangler-dev.mjs`). */
export interface DevServer {
  readonly label: string;
  readonly url: string;
  readonly inspectorPort: number;
  readonly pid: number;
  readonly persistTo: string;
  output(): string;
  exit(): { code: number | null; signal: string | null } | null;
  stop(): Promise<void>;
}
export const ROOT: string;
export function freePort(): Promise<number>;
export function startWranglerDev(
  config: string,
  opts?: {
    vars?: Readonly<Record<string, string>>;
    healthPath?: string;
    readyTimeoutMs?: number;
    label?: string;
  },
): Promise<DevServer>;
