/**
 * Every time the platform shows is Beijing time, whatever the zone of the browser or phone: the command, the
 * sampling points and the residents read the same clock. Exports write times as `YYYY-MM-DD HH:mm:ss` in Beijing
 * time (sortable text a spreadsheet reads), never as ISO instants in UTC. Date and time pickers show and take
 * Beijing time too: their values are dayjs objects whose fields are the Beijing wall clock (beijingPickerValue),
 * turned back into instants as Beijing time (pickerInstant), so a browser in another zone neither shifts the
 * default nor the value sent.
 */
import dayjs, { type Dayjs } from 'dayjs';

const ZONE = 'Asia/Shanghai';
const locale = (lang: string) => (lang === 'en' ? 'en-GB' : 'zh-CN');

/** A date and time, short, in the reader's language. */
export function beijingDateTime(v: string | Date | null | undefined, lang: string): string {
  if (!v) return '—';
  const d = typeof v === 'string' ? new Date(v) : v;
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(locale(lang), { dateStyle: 'short', timeStyle: 'short', timeZone: ZONE });
}

/** The time of day, with seconds. */
export function beijingClock(d: Date, lang: string): string {
  return d.toLocaleTimeString(locale(lang), { timeZone: ZONE, hour12: false });
}

/** An ISO instant (with Z or an offset). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export function isInstant(v: string): boolean {
  return INSTANT.test(v);
}

/** `2022-03-14 16:00:00`, Beijing time (UTC+8, no summer time), for exports. */
export function beijingText(v: string | Date): string {
  const d = typeof v === 'string' ? new Date(v) : v;
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** `2022-03-15T00:30:05`: the Beijing wall clock of an instant, without a zone. */
export function beijingWallClock(v: string | Date): string {
  return beijingText(v).replace(' ', 'T');
}

/** A picker's value whose fields show this instant in Beijing time (now by default), whatever the browser's zone. */
export function beijingPickerValue(v: string | Date = new Date()): Dayjs {
  return dayjs(beijingWallClock(v));
}

/** The instant a picker's value means, its fields read as Beijing time, as an ISO instant for the server. */
export function pickerInstant(v: Dayjs): string {
  return new Date(`${v.format('YYYY-MM-DDTHH:mm:ss')}+08:00`).toISOString();
}

/** Today in Beijing as a picker's day. */
export function beijingTodayValue(): Dayjs {
  return dayjs(beijingWallClock(new Date()).slice(0, 10));
}
