/**
 * Times that come from outside (phones, labs, feeds, forms) as they are accepted by the API: an ISO 8601 date and
 * time as text — never a number or a boolean, which `new Date()` would silently turn into 1970 — with a time zone
 * or, without one, Beijing time (as the scan and result files are read). The impossible is refused: a time before
 * the first SARS-CoV-2 cases (December 2019) or after 2099. Whether a time is ahead of the server's clock depends
 * on the route (a phone's clock may run a little fast); `refuseFuture` does that with the clock.
 */
import { z } from 'zod';
import { AppError } from './errors.ts';

/** Nothing this platform records can be earlier than the first cases of the disease. */
export const EARLIEST_PLAUSIBLE = new Date('2019-12-01T00:00:00Z');
export const LATEST_PLAUSIBLE = new Date('2100-01-01T00:00:00Z');

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** The instant a text names, or a reason why it names none. */
export function parseInstant(text: string): Date | string {
  const m = ISO.exec(text.trim());
  if (!m) return 'must be an ISO 8601 date and time, e.g. 2022-03-14T09:30:00+08:00';
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const day = new Date(Date.UTC(y as number, (mo as number) - 1, d as number));
  if (
    day.getUTCMonth() !== (mo as number) - 1 ||
    day.getUTCDate() !== d ||
    (h as number) > 23 ||
    (mi as number) > 59 ||
    (s ?? 0) > 59
  )
    return 'is not a real date and time';
  const zone = m[8] ?? '+08:00';
  const at = new Date(
    `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${normaliseZone(zone)}`,
  );
  if (Number.isNaN(at.getTime())) return 'is not a real date and time';
  if (at < EARLIEST_PLAUSIBLE || at >= LATEST_PLAUSIBLE)
    return `is ${at.toISOString().slice(0, 10)}: only times from ${EARLIEST_PLAUSIBLE.toISOString().slice(0, 10)} to 2099 are possible`;
  return at;
}

function normaliseZone(zone: string): string {
  if (/^z$/i.test(zone)) return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** A plausible instant in a request body or query: text in, Date out. */
export const Instant = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const at = parseInstant(text);
    if (typeof at === 'string') {
      ctx.addIssue({ code: 'custom', message: `"${text}" ${at}` });
      return z.NEVER;
    }
    return at;
  });

/** A calendar day (YYYY-MM-DD) from December 2019 to 2099: dates of onset, reports, boards, retention. */
export const PlausibleDate = z.iso
  .date()
  .refine(
    (d) => d >= EARLIEST_PLAUSIBLE.toISOString().slice(0, 10) && d < '2100-01-01',
    'only dates from 2019-12-01 to 2099-12-31 are possible',
  );

/** Refuses a time further ahead of the server's clock than `skewMs` (400 `time_in_future`). */
export function refuseFuture(now: Date, at: Date, what: string, skewMs = 10 * 60_000): void {
  if (at.getTime() > now.getTime() + skewMs)
    throw new AppError(
      400,
      'time_in_future',
      `${what} ${at.toISOString()} is after the server's time ${now.toISOString()}: check the device's clock and time zone`,
      { field: what, at: at.toISOString(), now: now.toISOString() },
    );
}

/** Refuses a calendar day after today in Beijing time (400 `date_in_future`): an onset cannot be tomorrow. */
export function refuseFutureDate(now: Date, day: string | undefined, what: string): void {
  if (day === undefined) return;
  const today = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  if (day > today)
    throw new AppError(400, 'date_in_future', `${what} ${day} is after today (${today}, Beijing time)`, {
      field: what,
    });
}
