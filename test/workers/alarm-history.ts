import { env } from "cloudflare:workers";
import type { AlarmEvent } from "../../core/alarms";
import { alarmManager } from "../../durable-objects";

/** Every history event of alarm `id`, oldest first (pages through `before`). */
export async function eventsOf(id: string): Promise<AlarmEvent[]> {
  const seen: AlarmEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await alarmManager(env).list(before);
    seen.push(...page.history.filter((e) => e.alarmId === id));
    const last = page.history.at(-1);
    if (page.history.length < 100 || !last) return seen.reverse();
    before = last.seq;
  }
}

/** Whether alarm `id` is active now. */
export const isActive = async (id: string): Promise<boolean> =>
  (await alarmManager(env).list()).active.some((a) => a.id === id);
