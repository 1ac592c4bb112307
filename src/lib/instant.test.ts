import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Instant, parseInstant, refuseFuture } from './instant.ts';

describe('instants from outside', () => {
  it('reads ISO 8601 with a zone, and Beijing time without one', () => {
    expect(parseInstant('2022-03-14T09:30:00Z')).toEqual(new Date('2022-03-14T09:30:00Z'));
    expect(parseInstant('2022-03-14T09:30:00.123+08:00')).toEqual(new Date('2022-03-14T01:30:00.123Z'));
    expect(parseInstant('2022-03-14 09:30')).toEqual(new Date('2022-03-14T01:30:00Z'));
    expect(parseInstant('2022-03-14T09:30:00+0800')).toEqual(new Date('2022-03-14T01:30:00Z'));
  });

  it('refuses what is no time, or an impossible one', () => {
    for (const bad of ['true', '0', '', 'now', '2022-02-30T10:00:00Z', '2022-03-14T24:00:00Z', '2022-03-14'])
      expect(typeof parseInstant(bad), bad).toBe('string');
    expect(parseInstant('0000-01-01T00:00:00Z')).toMatch(/only times from 2019-12-01/);
    expect(parseInstant('1970-01-01T00:00:00Z')).toMatch(/only times from 2019-12-01/);
    expect(parseInstant('2100-01-01T00:00:00Z')).toMatch(/to 2099/);
    expect(Instant.safeParse(true).success).toBe(false);
    expect(Instant.safeParse(1647250000000).success).toBe(false);
  });

  it('round-trips every plausible instant (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2019-12-01T00:00:00Z'),
          max: new Date('2099-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseInstant(d.toISOString())).toEqual(d);
        },
      ),
    );
  });

  it('refuses a time ahead of the clock beyond the skew', () => {
    const now = new Date('2022-03-14T08:00:00Z');
    expect(() => refuseFuture(now, new Date('2022-03-14T08:09:00Z'), 'at')).not.toThrow();
    expect(() => refuseFuture(now, new Date('2022-03-14T08:11:00Z'), 'at')).toThrow(
      /after the server's time/,
    );
  });
});
