/** Types of `install-lock.mjs` (plain JavaScript so `npm start` needs no build step). */
export function acquireInstallLock(
  dir: string,
  options: {
    pid: number;
    alive: (pid: number) => boolean;
    onWait?: (holder: number | null) => void;
    pollMs?: number;
  },
): () => void;
