/** Types of `dev-args.mjs`. */
export function devArgs(argv: string[]): { vars: Record<string, string>; args: string[] };
