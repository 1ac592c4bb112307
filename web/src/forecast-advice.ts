/**
 * What the 3-day forecast of rooms and beds (GET /api/isolation/forecast) asks a commander to do, as sentences
 * (keys under `isolation.advice.*` with their figures): what to do, how much, by when — and never more than the
 * figures next to it bear out. A reserve tier is named only when it exists and adds rooms; when the tiers proposed
 * do not cover the gap, what is left is said (sites to requisition); when free rooms cover the need, no tier.
 */
import type { TFunction } from 'i18next';

export interface ForecastFigures {
  days: number;
  inflow_per_day: { cases: number; contacts: number };
  waiting_now?: { cases: number; contacts: number };
  scheduled_releases: number;
  rooms: { needed: number; free: number; short: number };
  beds: { needed: number; free: number; short: number };
  activate_tiers: { tier: number; sites: number; rooms: number }[];
}

export interface Advice {
  key: string;
  params: Record<string, string | number>;
}

export interface ForecastAdvice {
  level: 'success' | 'warning' | 'error';
  rooms: Advice[];
  beds: Advice[];
}

/**
 * The day (0 = now, 1…days) the free units no longer hold those waiting plus the daily net inflow; `days` when
 * they run out only at the end (the need is a 3-day total, so it is at the latest the last day).
 */
export function shortFrom(o: {
  waiting: number;
  perDay: number;
  releasesPerDay: number;
  free: number;
  days: number;
}): number {
  if (o.waiting > o.free) return 0;
  const net = o.perDay - o.releasesPerDay;
  if (net <= 0) return o.days;
  return Math.min(o.days, Math.max(1, Math.ceil((o.free - o.waiting) / net)));
}

/** `今天` / `2 日内`: when to have acted, before the shortage starts. */
function by(day: number): Advice {
  return day === 0
    ? { key: 'isolation.advice.byToday', params: {} }
    : { key: 'isolation.advice.byDays', params: { day } };
}

export function forecastAdvice(fc: ForecastFigures): ForecastAdvice {
  const rooms: Advice[] = [];
  const beds: Advice[] = [];
  const { days } = fc;
  if (fc.rooms.short <= 0) {
    rooms.push({
      key: 'isolation.advice.roomsEnough',
      params: { days, needed: fc.rooms.needed, free: fc.rooms.free },
    });
  } else {
    const day = shortFrom({
      waiting: fc.waiting_now?.contacts ?? 0,
      perDay: fc.inflow_per_day.contacts,
      releasesPerDay: fc.scheduled_releases / days,
      free: fc.rooms.free,
      days,
    });
    rooms.push(
      day === 0
        ? {
            key: 'isolation.advice.roomsShortNow',
            params: { days, short: fc.rooms.short, needed: fc.rooms.needed, free: fc.rooms.free },
          }
        : {
            key: 'isolation.advice.roomsShortFrom',
            params: { day, days, short: fc.rooms.short, needed: fc.rooms.needed, free: fc.rooms.free },
          },
    );
    // Only tiers that add rooms are worth opening for rooms.
    const tiers = fc.activate_tiers.filter((t) => t.rooms > 0);
    const when = by(day);
    if (tiers.length === 0) {
      rooms.push({
        key: 'isolation.advice.noTierLeft',
        params: { short: fc.rooms.short, when: when.key, ...when.params },
      });
    } else {
      const added = tiers.reduce((n, t) => n + t.rooms, 0);
      const sites = tiers.reduce((n, t) => n + t.sites, 0);
      const left = fc.rooms.short - added;
      rooms.push({
        key: left > 0 ? 'isolation.advice.openTiersPartly' : 'isolation.advice.openTiers',
        params: {
          tiers: tiers.map((t) => t.tier).join('、'),
          sites,
          rooms: added,
          left: Math.max(0, left),
          when: when.key,
          ...when.params,
        },
      });
    }
  }
  if (fc.beds.short > 0) {
    const day = shortFrom({
      waiting: fc.waiting_now?.cases ?? 0,
      perDay: fc.inflow_per_day.cases,
      releasesPerDay: 0,
      free: fc.beds.free,
      days,
    });
    const when = by(day);
    beds.push({
      key: 'isolation.advice.bedsShort',
      params: {
        days,
        short: fc.beds.short,
        needed: fc.beds.needed,
        free: fc.beds.free,
        when: when.key,
        ...when.params,
      },
    });
  }
  const now =
    (fc.rooms.short > 0 && (fc.waiting_now?.contacts ?? 0) > fc.rooms.free) ||
    (fc.beds.short > 0 && (fc.waiting_now?.cases ?? 0) > fc.beds.free);
  const level = fc.rooms.short <= 0 && fc.beds.short <= 0 ? 'success' : now ? 'error' : 'warning';
  return { level, rooms, beds };
}

/** An advice's sentence in the reader's language (its `when` worded first). */
export function adviceText(t: TFunction, a: Advice): string {
  const { when, ...params } = a.params;
  return t(a.key, { ...params, by: when ? t(String(when), params) : '' });
}

/** Sentences one after another: Chinese ones end in 。, English ones take a space. */
export function adviceLine(t: TFunction, list: readonly Advice[], lang: string): string {
  return list.map((a) => adviceText(t, a)).join(lang === 'en' ? ' ' : '');
}
