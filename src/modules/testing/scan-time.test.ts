import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScanTime } from './scan-import.ts';

describe('scan times in files', () => {
  it('reads ISO 8601 and Beijing wall-clock times, and nothing else', () => {
    const utc = (s: string) => Date.parse(s);
    expect(parseScanTime('2022-03-14T01:30:00.123Z')).toBe(utc('2022-03-14T01:30:00.123Z'));
    expect(parseScanTime('2022-03-14T09:30:00+08:00')).toBe(utc('2022-03-14T01:30:00Z'));
    expect(parseScanTime('2022-03-14T09:30:00-0130')).toBe(utc('2022-03-14T11:00:00Z'));
    expect(parseScanTime('2022-03-14 09:30')).toBe(utc('2022-03-14T01:30:00Z'));
    expect(parseScanTime('2022/3/4 9:30:05')).toBe(utc('2022-03-04T01:30:05Z'));
    expect(parseScanTime('2022-03-14T09:30:00.5+08')).toBe(utc('2022-03-14T01:30:00.500Z'));
    expect(parseScanTime('2024-02-29 00:00')).toBe(utc('2024-02-28T16:00:00Z'));
    for (const bad of [
      '',
      'yesterday',
      'now',
      '2022-02-29 10:00',
      '2022-02-30 10:00',
      '2022-13-01 10:00',
      '2022-03-14 24:00',
      '2022-03-14 10:60',
      '2022-03-14 10:00:61',
      '2022-03-14',
      '2022-03-14T10:00:00ZZ',
      '2022-03-14T10:00:00+15:00',
      '2022-03/14 10:00',
      '14/03/2022 10:00',
      '2022-03-14 10:00 x',
    ])
      expect(parseScanTime(bad), bad).toBeNaN();
  });

  it('agrees with the calendar for every valid time', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (d) => {
          expect(parseScanTime(d.toISOString())).toBe(d.getTime());
          const bj = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
          expect(parseScanTime(bj)).toBe(Math.floor(d.getTime() / 1000) * 1000);
        },
      ),
    );
  });
});
