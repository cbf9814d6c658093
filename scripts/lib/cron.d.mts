/** Types of `cron.mjs`. */
export function cronMatches(expression: string, date: Date): boolean;
export function cronsOf(wranglerToml: string): string[];
