/** Types of `install-state.mjs` (plain JavaScript so `npm start` needs no build step). */
export interface LockEntry {
  version?: string;
  optional?: boolean;
  link?: boolean;
}
export interface Lockfile {
  packages?: Record<string, LockEntry>;
}
export type InstallDecision =
  | { action: "run" }
  | { action: "install"; reason: string }
  | { action: "refuse"; reason: string; users: string[] };
export function lockDrift(lock: Lockfile, installed: Lockfile | null): string | null;
export function parseVersion(text: string): [number, number, number];
export function engineFloor(range: string): string;
export function meetsFloor(version: string, floor: string): boolean;
export function installDecision(input: {
  lock: Lockfile;
  installed: Lockfile | null;
  otherUsers: string[];
}): InstallDecision;
export function processesUsing(
  processes: { pid: number; cwd: string; command: string }[],
  root: string,
  self: number[],
): string[];
