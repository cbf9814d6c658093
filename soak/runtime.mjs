/**
 * The runtime under test: one `wrangler dev` (and its workerd children) on loopback, on a
 * persistence directory that outlives it. `kill9()` SIGKILLs the whole process group, as a
 * machine losing power would; `start()` again brings it back on the same directory, on
 * fresh ports. Every process this starts is killed when this process exits.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, ROOT } from "../bench/lib/wrangler-dev.mjs";

const WRANGLER = `${ROOT}/node_modules/.bin/wrangler`;
const READY_TIMEOUT_MS = 90_000;

const running = new Set();
process.once("exit", () => {
  for (const pid of running) killGroup(pid);
});

function killGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A restartable runtime on `persistTo` with worker `vars`. */
export class Runtime {
  #vars;
  #persistTo;
  #child = null;
  #output = "";
  url = "";
  /**
   * `actor-crashed` log lines seen, by service, across every start: the crashes that happened
   * inside the runtime, whether or not a supervisor counted them.
   */
  crashes = new Map();

  constructor({ vars, persistTo }) {
    this.#vars = vars;
    this.#persistTo = persistTo;
  }

  /** Starts wrangler on fresh ports and resolves once `/healthz` answers 200. */
  async start() {
    const [port, inspector] = [await freePort(), await freePort()];
    const args = ["dev", "--ip", "127.0.0.1", "--port", String(port)];
    args.push("--inspector-port", String(inspector), "--log-level", "warn");
    args.push("--persist-to", this.#persistTo, "--show-interactive-dev-session=false");
    for (const [key, value] of Object.entries(this.#vars)) args.push("--var", `${key}:${value}`);
    // An explicit (empty) env file makes wrangler skip `.dev.vars`: `npm start`'s local
    // settings never reach the soak's server; its vars are wrangler.toml's plus these.
    const envFile = join(this.#persistTo, "empty.env");
    writeFileSync(envFile, "");
    args.push("--env-file", envFile);
    const child = spawn(WRANGLER, args, {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    });
    const keep = () => {
      let partial = ""; // each stream's unfinished last line
      return (chunk) => {
        this.#output = (this.#output + chunk).slice(-16_000);
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.#countCrash(line);
      };
    };
    child.stdout.on("data", keep());
    child.stderr.on("data", keep());
    running.add(child.pid);
    this.#child = child;
    this.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        const r = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        await r.arrayBuffer();
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    await this.kill9();
    throw new Error(`wrangler dev did not become healthy\n${this.#output}`);
  }

  /**
   * SIGKILL to wrangler and every workerd child, at once; resolves when wrangler is gone, with
   * whether it was running until then.
   */
  async kill9() {
    const child = this.#child;
    if (!child) return false;
    this.#child = null;
    const exited = child.exitCode !== null || child.signalCode !== null;
    killGroup(child.pid);
    if (!exited) await once(child, "exit");
    running.delete(child.pid);
    await sleep(300); // let the OS release the group's files and sockets
    return !exited;
  }

  /** Counts an `actor-crashed` line (`{"level":"error","event":"actor-crashed",…}`). */
  #countCrash(line) {
    const crashed = /"event":"actor-crashed".*?"service":"([\w-]+)"/.exec(line);
    if (crashed) this.crashes.set(crashed[1], (this.crashes.get(crashed[1]) ?? 0) + 1);
  }

  /** What wrangler printed last (warnings and errors). */
  output() {
    return this.#output;
  }
}
