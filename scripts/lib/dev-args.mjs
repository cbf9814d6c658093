/**
 * `npm start -- [--faults] [--var KEY:VALUE]... [other wrangler dev flags]`: turns the
 * switches `npm start` documents into `wrangler dev` arguments. `--faults` is
 * `--var FAULT_INJECTION:on`; everything else is passed through unchanged, so any
 * `wrangler dev` flag works (`--var` values win over `.dev.vars` and `wrangler.toml`).
 */
export function devArgs(argv) {
  const vars = {};
  const passthrough = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--faults") {
      vars.FAULT_INJECTION = "on";
    } else if (arg === "--var" || arg.startsWith("--var=")) {
      const value = arg === "--var" ? argv[++i] : arg.slice("--var=".length);
      const colon = value === undefined ? -1 : value.indexOf(":");
      if (colon < 1) throw new Error(`--var takes KEY:VALUE, got ${JSON.stringify(value ?? "")}`);
      vars[value.slice(0, colon)] = value.slice(colon + 1);
    } else {
      passthrough.push(arg);
    }
  }
  const varArgs = Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  return { vars, args: [...varArgs, ...passthrough] };
}
