/**
 * Contact rules (密接 / 次密接 / 一般接触者), configurable, defaults from the 2022 protocols (DOMAIN.md):
 * - the exposure window opens `lookbackDays` (2; some editions 4) before the earlier of symptom onset and the
 *   first positive sample, and closes when the case is isolated (found);
 * - the household is close; during lockdown Jilin treated same-floor and adjacent-floor residents of the same
 *   stairwell as secondary;
 * - a check-in at the same venue near the case's counts per kind of venue (`venueKinds`): shared meals, work and
 *   childcare within the kind's window are close; large open venues (markets, supermarkets, schools, hospitals)
 *   make candidates, kept apart as general contacts, for the tracers to assess; a kind not listed takes
 *   `venueLevel` within `venueWindowMinutes`;
 * - co-location in the same cell for more than `colocationMinMinutes` (时空伴随, one city's rule) is general;
 * - secondary contacts come only through close contacts: those who shared the close contact's household.
 */
import { z } from 'zod';

export type ContactLevel = 'close' | 'secondary' | 'general';

export const VENUE_KINDS = [
  'workplace',
  'school',
  'kindergarten',
  'market',
  'supermarket',
  'hospital',
  'restaurant',
  'other',
] as const;
export type VenueKind = (typeof VENUE_KINDS)[number];

const VenueRuleSchema = z.object({
  level: z.enum(['close', 'general']),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
});
export type VenueRule = z.infer<typeof VenueRuleSchema>;

export const TracingRulesSchema = z.object({
  lookbackDays: z.number().int().min(1).max(14),
  venueWindowMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  venueLevel: z.enum(['close', 'general']),
  venueKinds: z.partialRecord(z.enum(VENUE_KINDS), VenueRuleSchema),
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
  venueWindowMinutes: 30,
  venueLevel: 'general',
  venueKinds: Object.freeze<TracingRules['venueKinds']>({
    restaurant: { level: 'close', windowMinutes: 30 },
    workplace: { level: 'close', windowMinutes: 30 },
    kindergarten: { level: 'close', windowMinutes: 60 },
    school: { level: 'general', windowMinutes: 30 },
    market: { level: 'general', windowMinutes: 30 },
    supermarket: { level: 'general', windowMinutes: 30 },
    hospital: { level: 'general', windowMinutes: 30 },
  }),
  colocationMinMinutes: 10,
  colocationLevel: 'general',
  floorsAround: 1,
});

/** The rule for a check-in at a venue of this kind. */
export function venueRule(
  rules: Pick<TracingRules, 'venueKinds' | 'venueLevel' | 'venueWindowMinutes'>,
  kind: string,
): VenueRule {
  return (
    rules.venueKinds[kind as VenueKind] ?? {
      level: rules.venueLevel,
      windowMinutes: rules.venueWindowMinutes,
    }
  );
}

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
