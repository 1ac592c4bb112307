/**
 * Contact rules (密接 / 次密接 / 一般接触者), configurable, defaults from the 2022 protocols (DOMAIN.md):
 * - the exposure window opens `lookbackDays` (2; some editions 4) before the earlier of symptom onset and the
 *   first positive sample, and closes when the case is isolated (found);
 * - the household is close; during lockdown Jilin treated same-floor and adjacent-floor residents of the same
 *   stairwell as secondary;
 * - a check-in at the same venue within `venueWindowMinutes` of the case's is close (configurable);
 * - co-location in the same cell for more than `colocationMinMinutes` (时空伴随, one city's rule) is general;
 * - secondary contacts come only through close contacts: those who shared the close contact's household.
 */
import { z } from 'zod';

export type ContactLevel = 'close' | 'secondary' | 'general';

export const TracingRulesSchema = z.object({
  lookbackDays: z.number().int().min(1).max(14),
  venueWindowMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  venueLevel: z.enum(['close', 'general']),
  colocationMinMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  colocationLevel: z.enum(['close', 'secondary', 'general']),
  floorsAround: z.number().int().min(0).max(5),
});
export type TracingRules = z.infer<typeof TracingRulesSchema>;

export const DEFAULT_TRACING_RULES: Readonly<TracingRules> = Object.freeze({
  lookbackDays: 2,
  venueWindowMinutes: 60,
  venueLevel: 'close',
  colocationMinMinutes: 10,
  colocationLevel: 'general',
  floorsAround: 1,
});

const DAY = 86_400_000;

/**
 * The case's exposure window. Onset is a calendar day (Beijing time); the window opens at its start.
 * `isolatedAt` closes it (a case found and isolated exposes nobody after).
 */
export function exposureWindow(
  c: { onsetDate: string | null; firstPositiveAt: Date; isolatedAt: Date },
  rules: Pick<TracingRules, 'lookbackDays'> = DEFAULT_TRACING_RULES,
): { from: Date; to: Date } {
  const onset = c.onsetDate ? new Date(`${c.onsetDate}T00:00:00+08:00`) : null;
  const anchor = onset && onset.getTime() < c.firstPositiveAt.getTime() ? onset : c.firstPositiveAt;
  const from = new Date(anchor.getTime() - rules.lookbackDays * DAY);
  const to = c.isolatedAt.getTime() > from.getTime() ? c.isolatedAt : from;
  return { from, to };
}

export const LEVEL_RANK: Readonly<Record<string, number>> = {
  case: 6,
  close_contact: 5,
  pool_held: 4,
  secondary_contact: 3,
  general_contact: 2,
};

export const STATUS_OF_LEVEL: Readonly<Record<ContactLevel, string>> = {
  close: 'close_contact',
  secondary: 'secondary_contact',
  general: 'general_contact',
};

/** The status a person should have after a new link: never a downgrade. */
export function strongerStatus(current: string, level: ContactLevel): string {
  const next = STATUS_OF_LEVEL[level];
  return (LEVEL_RANK[next] ?? 0) > (LEVEL_RANK[current] ?? 0) ? next : current;
}

/** Whether two presences overlap by at least `minutes` (co-location), or lie within `minutes` of each other (venues). */
export function overlapMinutes(a: { from: Date; to: Date }, b: { from: Date; to: Date }): number {
  return Math.max(
    0,
    (Math.min(a.to.getTime(), b.to.getTime()) - Math.max(a.from.getTime(), b.from.getTime())) / 60_000,
  );
}
