import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breaks,
  type Candidate,
  DEFAULT_REST_RULES,
  proposeRoster,
  SHIFTS,
  type Shift,
  type Skill,
  type Slot,
  shiftTimes,
  violations,
} from './roster-proposer.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const day = (n: number) => new Date(Date.UTC(2022, 2, 14 + n) - 8 * HOUR).toISOString().slice(0, 10);
const shift = (worker: number, d: number, code: 'night' | 'day' | 'evening', area = '220202'): Shift => {
  const t = shiftTimes(day(d), code);
  return { worker, area, skill: 'sampler', ...t };
};

describe('rest rules', () => {
  it('knows the shifts of a Beijing day', () => {
    const t = shiftTimes('2022-03-14', 'day');
    expect(new Date(t.starts).toISOString()).toBe('2022-03-14T00:00:00.000Z'); // 08:00 Beijing
    expect((t.ends - t.starts) / HOUR).toBe(8);
    expect(SHIFTS.map((s) => s.code)).toEqual(['night', 'day', 'evening']);
  });

  it('finds a worker in two places at once', () => {
    const a = shift(1, 0, 'day', '220202');
    const b = { ...shift(1, 0, 'day', '220203'), starts: a.starts + 2 * HOUR, ends: a.ends + 2 * HOUR };
    expect(breaks([a], b, DEFAULT_REST_RULES)?.code).toBe('worker_double_booked');
    expect(violations([a, b], DEFAULT_REST_RULES)).toMatchObject([
      { code: 'worker_double_booked', worker: 1 },
    ]);
    // Another worker at the same time is fine.
    expect(violations([a, { ...b, worker: 2 }], DEFAULT_REST_RULES)).toEqual([]);
  });

  it('refuses more than 12 hours in 24, less than 8 hours of rest, and a seventh day in a row', () => {
    // day 08–16 then evening 16–24: 16 hours on end.
    expect(breaks([shift(1, 0, 'day')], shift(1, 0, 'evening'), DEFAULT_REST_RULES)?.rule).toBe('max_hours');
    // evening 16–24 then next day 00–08 … also 16 hours.
    expect(breaks([shift(1, 0, 'evening')], shift(1, 1, 'night'), DEFAULT_REST_RULES)?.rule).toBe(
      'max_hours',
    );
    // With a looser hours rule the rest rule still holds: 0 hours between.
    const loose = { ...DEFAULT_REST_RULES, maxHoursIn24: 16 };
    expect(breaks([shift(1, 0, 'evening')], shift(1, 1, 'night'), loose)?.rule).toBe('min_rest');
    // evening then the next day's day shift: 16 hours within 24 again; the next evening is fine.
    expect(breaks([shift(1, 0, 'evening')], shift(1, 1, 'day'), DEFAULT_REST_RULES)?.rule).toBe('max_hours');
    expect(breaks([shift(1, 0, 'evening')], shift(1, 1, 'day'), loose)).toBeNull();
    expect(breaks([shift(1, 0, 'evening')], shift(1, 1, 'evening'), DEFAULT_REST_RULES)).toBeNull();
    const six = [0, 1, 2, 3, 4, 5].map((d) => shift(1, d, 'day'));
    expect(violations(six, DEFAULT_REST_RULES)).toEqual([]);
    expect(breaks(six, shift(1, 6, 'day'), DEFAULT_REST_RULES)?.rule).toBe('rest_day');
    // Filling a hole that would make seven in a row is refused too.
    const holed = [0, 1, 2, 4, 5, 6].map((d) => shift(1, d, 'day'));
    expect(breaks(holed, shift(1, 3, 'day'), DEFAULT_REST_RULES)?.rule).toBe('rest_day');
  });
});

describe('proposeRoster', () => {
  const slot = (area: string, skill: Skill, need: number, d = 0, code: 'night' | 'day' | 'evening' = 'day') =>
    ({ area, skill, need, ...shiftTimes(day(d), code) }) as Slot;

  it('prefers the nearest workers, balances hours, and explains a shortfall', () => {
    const workers: Candidate[] = [
      { id: 1, area: '220203001', skills: ['sampler'] },
      { id: 2, area: '220202001001', skills: ['sampler'] },
      { id: 3, area: '220202001002', skills: ['sampler', 'driver'] },
    ];
    const p = proposeRoster({
      slots: [slot('220202001', 'sampler', 2), slot('220202001', 'medical', 1)],
      workers,
    });
    expect(p.shifts.map((s) => s.worker).sort()).toEqual([2, 3]);
    expect(p.shortfalls).toEqual([
      expect.objectContaining({
        skill: 'medical',
        demand: 1,
        assigned: 0,
        short: 1,
        reason: { k: 'forces.none_with_skill', p: { skill: 'medical' } },
      }),
    ]);
    // Day and evening: nobody may take both, so the evening goes to the farther worker and one is short.
    const q = proposeRoster({
      slots: [slot('220202001', 'sampler', 2), slot('220202001', 'sampler', 2, 0, 'evening')],
      workers,
    });
    expect(q.shifts).toHaveLength(3);
    expect(q.shortfalls).toMatchObject([{ short: 1, reason: { k: 'forces.all_taken', p: { resting: 2 } } }]);
    expect(violations(q.shifts, DEFAULT_REST_RULES)).toEqual([]);
  });

  it('keeps support teams to their dates and respects shifts already confirmed', () => {
    const s = slot('220202', 'sampler', 1, 1);
    const team: Candidate = { id: 9, area: '220202', skills: ['sampler'], availableFrom: s.ends + DAY };
    expect(proposeRoster({ slots: [s], workers: [team] }).shifts).toEqual([]);
    const w: Candidate = { id: 4, area: '220202', skills: ['sampler'] };
    const busy = { ...shift(4, 1, 'day'), area: '220299' };
    const p = proposeRoster({ slots: [s], workers: [w], existing: [busy] });
    expect(p.shifts).toEqual([]);
    expect(p.shortfalls[0]?.reason).toEqual({
      k: 'forces.all_taken',
      p: { skill: 'sampler', able: 1, busy: 1, resting: 0, assigned: 0 },
    });
  });

  it('property: no worker twice at once, no rest rule broken, shortfall = demand − assigned', () => {
    const SK: Skill[] = ['sampler', 'medical', 'driver', 'site_staff'];
    const areas = ['220202001', '220202002', '220203001'];
    const arbSlot = fc.record({
      area: fc.constantFrom(...areas),
      skill: fc.constantFrom(...SK),
      need: fc.integer({ min: 0, max: 6 }),
      d: fc.integer({ min: 0, max: 8 }),
      code: fc.constantFrom('night' as const, 'day' as const, 'evening' as const),
      // Odd shapes too: a 12-hour shift starting at any hour.
      odd: fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined }),
    });
    const arbWorker = fc.record({
      area: fc.constantFrom(...areas, '220202001001', '2202'),
      skills: fc.subarray(SK, { minLength: 1 }),
    });
    fc.assert(
      fc.property(
        fc.array(arbSlot, { maxLength: 30 }),
        fc.array(arbWorker, { maxLength: 15 }),
        fc.array(fc.record({ w: fc.nat(14), d: fc.integer({ min: 0, max: 8 }) }), { maxLength: 10 }),
        fc.record({
          maxHoursIn24: fc.integer({ min: 8, max: 16 }),
          minRestHours: fc.integer({ min: 0, max: 16 }),
          restDayEvery: fc.integer({ min: 2, max: 8 }),
        }),
        (rawSlots, rawWorkers, rawExisting, rules) => {
          const slots: Slot[] = rawSlots.map((s) => {
            const t = shiftTimes(day(s.d), s.code);
            const starts = s.odd === undefined ? t.starts : t.starts - 8 * HOUR + s.odd * HOUR;
            return {
              area: s.area,
              skill: s.skill,
              need: s.need,
              starts,
              ends: s.odd === undefined ? t.ends : starts + 8 * HOUR,
            };
          });
          const workers: Candidate[] = rawWorkers.map((w, i) => ({
            id: i + 1,
            area: w.area,
            skills: w.skills,
          }));
          // Existing shifts that are themselves sound.
          const sound: Shift[] = [];
          for (const e of rawExisting) {
            const s = shift(e.w + 1, e.d, 'day');
            if (
              breaks(
                sound.filter((x) => x.worker === s.worker),
                s,
                rules,
              ) === null
            )
              sound.push(s);
          }
          expect(violations(sound, rules)).toEqual([]);
          const p = proposeRoster({ slots, workers, existing: sound, rules });
          // Nothing broken, old and new together.
          expect(violations([...sound, ...p.shifts], rules)).toEqual([]);
          // Every shift is a worker with the skill on one of the slots.
          for (const s of p.shifts) {
            const w = workers.find((x) => x.id === s.worker);
            expect(w?.skills).toContain(s.skill);
          }
          // Per distinct slot (area, skill, time): assigned + short = demand; shortfall listed iff short.
          const key = (x: { area: string; skill: string; starts: number; ends: number }) =>
            `${x.area}|${x.skill}|${x.starts}|${x.ends}`;
          const demand = new Map<string, number>();
          for (const s of slots) demand.set(key(s), (demand.get(key(s)) ?? 0) + s.need);
          const got = new Map<string, number>();
          for (const s of p.shifts) got.set(key(s), (got.get(key(s)) ?? 0) + 1);
          const short = new Map<string, number>();
          for (const f of p.shortfalls) {
            expect(f.short).toBe(f.demand - f.assigned);
            expect(f.short).toBeGreaterThan(0);
            short.set(key(f), (short.get(key(f)) ?? 0) + f.short);
          }
          for (const [k, n] of demand) expect((got.get(k) ?? 0) + (short.get(k) ?? 0), k).toBe(n);
        },
      ),
      { numRuns: 300 },
    );
  });
});
