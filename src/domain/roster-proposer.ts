/**
 * The roster proposer (力量调配, 轮流休息): given the day's demand as slots (an area, a skill, a shift, how many
 * people) and the workers who may work, it proposes who works where, never putting a worker in two places at once
 * and never breaking the rest rules, and says what it could not cover and why. A roster is a plan a person
 * confirms, not an order: the module stores the proposal as a draft.
 *
 * Rest rules (轮流休息), all of them checked on the worker's whole record (the shifts already confirmed and the ones
 * proposed):
 * - no more than `maxHoursIn24` hours of shifts in any 24 hours;
 * - at least `minRestHours` hours between the end of a shift and the start of the next;
 * - in any `restDayEvery` consecutive Beijing days, at least one day without a shift.
 *
 * Pure: no I/O. Times are epoch milliseconds.
 */

export const SKILLS = [
  'sampler',
  'medical',
  'community',
  'volunteer',
  'driver',
  'site_staff',
  'chief',
] as const;
export type Skill = (typeof SKILLS)[number];

export interface RestRules {
  maxHoursIn24: number;
  minRestHours: number;
  restDayEvery: number;
}

export const DEFAULT_REST_RULES: RestRules = { maxHoursIn24: 12, minRestHours: 8, restDayEvery: 7 };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The shifts of a Beijing day (8 hours each): night 00–08, day 08–16, evening 16–24. */
export const SHIFTS = [
  { code: 'night', from: 0, to: 8 },
  { code: 'day', from: 8, to: 16 },
  { code: 'evening', from: 16, to: 24 },
] as const;
export type ShiftCode = (typeof SHIFTS)[number]['code'];

/** The instants a shift of a Beijing day (YYYY-MM-DD) starts and ends. */
export function shiftTimes(day: string, code: ShiftCode): { starts: number; ends: number } {
  const s = SHIFTS.find((x) => x.code === code) ?? SHIFTS[1];
  const d0 = new Date(`${day}T00:00:00+08:00`).getTime();
  return { starts: d0 + s.from * HOUR, ends: d0 + s.to * HOUR };
}

/** The Beijing day number of an instant (days since 1970-01-01, Beijing). */
export const beijingDayNumber = (ms: number): number => Math.floor((ms + 8 * HOUR) / DAY);

/** A reason as a code and its parameters (rendered in Chinese or English by the web app, web/src/i18n/forces.ts). */
export interface RosterReason {
  k:
    | 'forces.none_with_skill'
    | 'forces.all_taken'
    | 'forces.covered'
    | 'forces.worker_removed'
    | 'forces.double_booked'
    | 'forces.max_hours'
    | 'forces.min_rest'
    | 'forces.rest_day';
  p: Record<string, string | number>;
}

/** What is needed: `need` people of `skill` in `area` from `starts` to `ends`. */
export interface Slot {
  area: string;
  skill: Skill;
  starts: number;
  ends: number;
  need: number;
}

export interface Candidate {
  id: number;
  area: string;
  skills: readonly Skill[];
  /** A support team's worker works from its arrival to its leaving (inclusive Beijing days, as instants). */
  availableFrom?: number;
  availableTo?: number;
}

export interface Shift {
  worker: number;
  area: string;
  skill: Skill;
  starts: number;
  ends: number;
}

export interface Shortfall {
  area: string;
  skill: Skill;
  starts: number;
  ends: number;
  demand: number;
  assigned: number;
  short: number;
  reason: RosterReason;
}

export type RuleCode = 'max_hours' | 'min_rest' | 'rest_day';

export interface Violation {
  code: 'worker_double_booked' | 'rest_rule_broken';
  worker: number;
  rule?: RuleCode;
  /** The shift that breaks the rule and, when two shifts collide, the other. */
  shift: Shift;
  other?: Shift;
}

const overlap = (a: { starts: number; ends: number }, b: { starts: number; ends: number }) =>
  a.starts < b.ends && b.starts < a.ends;

/** Hours of `shifts` inside [from, to). */
function hoursWithin(shifts: readonly Shift[], from: number, to: number): number {
  let ms = 0;
  for (const s of shifts) ms += Math.max(0, Math.min(s.ends, to) - Math.max(s.starts, from));
  return ms / HOUR;
}

/**
 * Whether a worker whose shifts are `mine` may also take `s`: the first rule it breaks, or null. Collisions first
 * (two places at once), then the rest rules.
 */
export function breaks(mine: readonly Shift[], s: Shift, rules: RestRules): Violation | null {
  for (const o of mine)
    if (overlap(o, s)) return { code: 'worker_double_booked', worker: s.worker, shift: s, other: o };
  const all = [...mine, s];
  // Max hours: the busiest 24 hours touching `s` start or end at the start or end of one of the shifts.
  const anchors = all.flatMap((x) => [
    [x.starts, x.starts + DAY],
    [x.ends - DAY, x.ends],
  ]);
  for (const [from, to] of anchors)
    if (
      overlap({ starts: from as number, ends: to as number }, s) &&
      hoursWithin(all, from as number, to as number) > rules.maxHoursIn24 + 1e-9
    )
      return { code: 'rest_rule_broken', worker: s.worker, rule: 'max_hours', shift: s };
  for (const o of mine) {
    const gap = o.ends <= s.starts ? s.starts - o.ends : o.starts - s.ends;
    if (gap < rules.minRestHours * HOUR)
      return { code: 'rest_rule_broken', worker: s.worker, rule: 'min_rest', shift: s, other: o };
  }
  // A rest day in every `restDayEvery` consecutive days: the run of worked days through `s`'s day is shorter.
  const days = new Set(all.map((x) => beijingDayNumber(x.starts)));
  const d = beijingDayNumber(s.starts);
  let run = 1;
  for (let x = d - 1; days.has(x); x--) run++;
  for (let x = d + 1; days.has(x); x++) run++;
  if (run >= rules.restDayEvery)
    return { code: 'rest_rule_broken', worker: s.worker, rule: 'rest_day', shift: s };
  return null;
}

/**
 * The violations among `shifts`: each worker's shifts taken in time order, each checked against the earlier ones
 * kept (a shift that breaks a rule is reported and left out of the later checks). Empty: the roster is sound.
 */
export function violations(shifts: readonly Shift[], rules: RestRules): Violation[] {
  const by = new Map<number, Shift[]>();
  const out: Violation[] = [];
  for (const s of [...shifts].sort((a, b) => a.starts - b.starts || a.ends - b.ends || a.worker - b.worker)) {
    const list = by.get(s.worker) ?? [];
    const v = breaks(list, s, rules);
    if (v) {
      out.push(v);
      continue;
    }
    list.push(s);
    by.set(s.worker, list);
  }
  return out;
}

/** Length of the common prefix of two area codes: the nearer, the longer. */
const nearness = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

export interface Proposal {
  shifts: Shift[];
  shortfalls: Shortfall[];
}

/**
 * Proposes a roster: slots in time order (then area, skill), each filled with the available workers having the
 * skill, nearest first (the longest common area-code prefix: same grid, community, street, district…), then the
 * least busy (hours already on their record), then by id; a worker is taken only if the rules allow it with their
 * whole record (`existing` — shifts already confirmed elsewhere — and what this proposal gave them).
 * Every slot not filled is a shortfall with its reason. Deterministic.
 */
export function proposeRoster(input: {
  slots: readonly Slot[];
  workers: readonly Candidate[];
  existing?: readonly Shift[];
  rules?: RestRules;
}): Proposal {
  const rules = input.rules ?? DEFAULT_REST_RULES;
  const record = new Map<number, Shift[]>();
  for (const s of input.existing ?? []) {
    const l = record.get(s.worker) ?? [];
    l.push(s);
    record.set(s.worker, l);
  }
  const hours = (w: number) => (record.get(w) ?? []).reduce((h, s) => h + (s.ends - s.starts) / HOUR, 0);
  const slots = [...input.slots]
    .filter((s) => s.need > 0)
    .sort(
      (a, b) =>
        a.starts - b.starts ||
        (a.area < b.area ? -1 : a.area > b.area ? 1 : 0) ||
        SKILLS.indexOf(a.skill) - SKILLS.indexOf(b.skill),
    );
  const shifts: Shift[] = [];
  const shortfalls: Shortfall[] = [];
  for (const slot of slots) {
    const able = input.workers.filter(
      (w) =>
        w.skills.includes(slot.skill) &&
        (w.availableFrom === undefined || w.availableFrom <= slot.starts) &&
        (w.availableTo === undefined || w.availableTo >= slot.ends),
    );
    const ranked = able
      .map((w) => ({ w, near: nearness(w.area, slot.area), h: hours(w.id) }))
      .sort((a, b) => b.near - a.near || a.h - b.h || a.w.id - b.w.id);
    let assigned = 0;
    let busy = 0;
    let resting = 0;
    for (const { w } of ranked) {
      if (assigned >= slot.need) break;
      const s: Shift = {
        worker: w.id,
        area: slot.area,
        skill: slot.skill,
        starts: slot.starts,
        ends: slot.ends,
      };
      const mine = record.get(w.id) ?? [];
      const v = breaks(mine, s, rules);
      if (v) {
        if (v.code === 'worker_double_booked') busy++;
        else resting++;
        continue;
      }
      mine.push(s);
      record.set(w.id, mine);
      shifts.push(s);
      assigned++;
    }
    if (assigned < slot.need)
      shortfalls.push({
        area: slot.area,
        skill: slot.skill,
        starts: slot.starts,
        ends: slot.ends,
        demand: slot.need,
        assigned,
        short: slot.need - assigned,
        reason:
          able.length === 0
            ? { k: 'forces.none_with_skill', p: { skill: slot.skill } }
            : {
                k: 'forces.all_taken',
                p: { skill: slot.skill, able: able.length, busy, resting, assigned },
              },
      });
  }
  return { shifts, shortfalls };
}
