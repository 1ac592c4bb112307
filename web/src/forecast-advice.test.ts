import { describe, expect, it } from 'vitest';
import { type ForecastFigures, forecastAdvice, shortFrom } from './forecast-advice.ts';

const base: ForecastFigures = {
  days: 3,
  inflow_per_day: { cases: 10, contacts: 100 },
  waiting_now: { cases: 0, contacts: 0 },
  scheduled_releases: 0,
  rooms: { needed: 300, free: 500, short: 0 },
  beds: { needed: 30, free: 50, short: 0 },
  activate_tiers: [],
};
const keys = (a: { key: string }[]) => a.map((x) => x.key.replace('isolation.advice.', ''));

describe('forecast advice', () => {
  it('proposes no tier while free rooms cover the need', () => {
    const a = forecastAdvice({ ...base, activate_tiers: [{ tier: 2, sites: 3, rooms: 120 }] });
    expect(a.level).toBe('success');
    expect(keys(a.rooms)).toEqual(['roomsEnough']);
    expect(a.beds).toEqual([]);
  });

  it('never names a reserve tier when none is left: it says to requisition sites, how many rooms, today', () => {
    const a = forecastAdvice({
      ...base,
      waiting_now: { cases: 0, contacts: 600 },
      rooms: { needed: 900, free: 0, short: 900 },
    });
    expect(a.level).toBe('error');
    expect(keys(a.rooms)).toEqual(['roomsShortNow', 'noTierLeft']);
    expect(a.rooms[1]?.params).toMatchObject({ short: 900, when: 'isolation.advice.byToday' });
  });

  it('does not name a tier that adds no rooms', () => {
    const a = forecastAdvice({
      ...base,
      rooms: { needed: 600, free: 500, short: 100 },
      activate_tiers: [{ tier: 2, sites: 1, rooms: 0 }],
    });
    expect(keys(a.rooms)).toEqual(['roomsShortFrom', 'noTierLeft']);
  });

  it('says what is still short when the tiers proposed do not cover the gap', () => {
    const a = forecastAdvice({
      ...base,
      rooms: { needed: 700, free: 500, short: 200 },
      activate_tiers: [
        { tier: 2, sites: 2, rooms: 80 },
        { tier: 3, sites: 1, rooms: 40 },
      ],
    });
    expect(a.level).toBe('warning');
    expect(keys(a.rooms)).toEqual(['roomsShortFrom', 'openTiersPartly']);
    expect(a.rooms[1]?.params).toMatchObject({ tiers: '2、3', sites: 3, rooms: 120, left: 80 });
    // 500 free, 100 a day: the rooms run out on day 3 (after 5 days at that pace, but the horizon is 3).
    expect(a.rooms[0]?.params).toMatchObject({ day: 3 });
  });

  it('opens the tier that covers the gap, by the day the shortage starts', () => {
    const a = forecastAdvice({
      ...base,
      waiting_now: { cases: 0, contacts: 350 },
      rooms: { needed: 650, free: 400, short: 250 },
      activate_tiers: [{ tier: 2, sites: 4, rooms: 300 }],
    });
    expect(keys(a.rooms)).toEqual(['roomsShortFrom', 'openTiers']);
    expect(a.rooms[1]?.params).toMatchObject({
      tiers: '2',
      rooms: 300,
      when: 'isolation.advice.byDays',
      day: 1,
    });
  });

  it('says how many beds, and when, if beds are short', () => {
    const a = forecastAdvice({
      ...base,
      waiting_now: { cases: 60, contacts: 0 },
      beds: { needed: 90, free: 50, short: 40 },
    });
    expect(a.level).toBe('error');
    expect(keys(a.beds)).toEqual(['bedsShort']);
    expect(a.beds[0]?.params).toMatchObject({ short: 40, when: 'isolation.advice.byToday' });
  });

  it('finds the day the free units run out', () => {
    expect(shortFrom({ waiting: 10, perDay: 5, releasesPerDay: 0, free: 5, days: 3 })).toBe(0);
    expect(shortFrom({ waiting: 0, perDay: 100, releasesPerDay: 0, free: 150, days: 3 })).toBe(2);
    expect(shortFrom({ waiting: 0, perDay: 10, releasesPerDay: 20, free: 5, days: 3 })).toBe(3);
  });
});
