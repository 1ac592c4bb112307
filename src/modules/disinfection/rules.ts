/**
 * The words and defaults of environmental disinfection (环境消杀): kinds of place, agents with their usual working
 * concentrations, and the Beijing-day arithmetic the lists and figures share. Pure; docs/DISINFECTION.md gives the
 * sources.
 */

export const PLACE_KINDS = [
  'market',
  'supermarket',
  'lift_stairwell',
  'sampling_point',
  'vehicle',
  'garbage_point',
  'site_common_area',
  'venue',
  'other',
] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];

/** Which kinds name what they are: the object a place of that kind must point at. */
export const TARGET_OF_KIND: Partial<Record<PlaceKind, 'building' | 'venue' | 'site' | 'vehicle'>> = {
  lift_stairwell: 'building',
  venue: 'venue',
  site_common_area: 'site',
  vehicle: 'vehicle',
};

export const AGENTS = [
  'chlorine',
  'peracetic_acid',
  'ethanol_75',
  'hydrogen_peroxide',
  'chlorine_dioxide',
  'quaternary_ammonium',
  'other',
] as const;
export type Agent = (typeof AGENTS)[number];

/**
 * The concentration a form suggests for each agent (the user may write another): the usual working solutions for
 * surfaces in the national disinfection guidance of 2020–2022 (含氯消毒剂 500 mg/L for ordinary surfaces, 1000 mg/L
 * where a case has been; 过氧乙酸 0.2 %; 75 % 乙醇 for small surfaces; 过氧化氢 3 %; 二氧化氯 100–250 mg/L).
 */
export const DEFAULT_CONCENTRATION: Record<Agent, string | null> = {
  chlorine: '500 mg/L',
  peracetic_acid: '0.2%',
  ethanol_75: '75%',
  hydrogen_peroxide: '3%',
  chlorine_dioxide: '250 mg/L',
  quaternary_ammonium: '1000 mg/L',
  other: null,
};

/** Task kind of a due disinfection in the generic `tasks` table, and its subject type. */
export const TASK_KIND = 'env_disinfection';
export const SUBJECT_TYPE = 'disinfection_due';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
const BEIJING = 8 * HOUR;

/** The Beijing calendar day (YYYY-MM-DD) of an instant. */
export const beijingDay = (at: Date): string => new Date(at.getTime() + BEIJING).toISOString().slice(0, 10);

/** Start and end (exclusive) of a Beijing calendar day. */
export function dayBounds(day: string): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + DAY) };
}

/** The end of the Beijing day containing `at` (the next midnight, Beijing time). */
export const endOfBeijingDay = (at: Date): Date => dayBounds(beijingDay(at)).to;
