import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRACING_RULES,
  exposureWindow,
  LEVEL_RANK,
  overlapMinutes,
  strongerStatus,
} from './contact-rules.ts';

describe('contact rules', () => {
  it('opens the window lookback days before the earlier of onset and first positive sample', () => {
    const w = exposureWindow({
      onsetDate: '2022-03-10',
      firstPositiveAt: new Date('2022-03-12T08:00:00Z'),
      isolatedAt: new Date('2022-03-12T20:00:00Z'),
    });
    expect(w.from.toISOString()).toBe('2022-03-07T16:00:00.000Z'); // 2022-03-08 00:00 Beijing time
    const w4 = exposureWindow(
      {
        onsetDate: null,
        firstPositiveAt: new Date('2022-03-12T08:00:00Z'),
        isolatedAt: new Date('2022-03-12T20:00:00Z'),
      },
      { lookbackDays: 4 },
    );
    expect(w4.from.toISOString()).toBe('2022-03-08T08:00:00.000Z');
    expect(w4.to.toISOString()).toBe('2022-03-12T20:00:00.000Z');
  });

  it('window properties: from ≤ positive sample ≤ … and a longer look-back never shrinks it', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2022-01-01'), max: new Date('2022-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 0, max: 72 }),
        (pos, onsetBack, lookback, isolatedAfterH) => {
          const onset = new Date(pos.getTime() - onsetBack * 86_400_000).toISOString().slice(0, 10);
          const c = {
            onsetDate: onset,
            firstPositiveAt: pos,
            isolatedAt: new Date(pos.getTime() + isolatedAfterH * 3600_000),
          };
          const a = exposureWindow(c, { lookbackDays: lookback });
          const b = exposureWindow(c, { lookbackDays: lookback + 1 });
          expect(a.from.getTime()).toBeLessThanOrEqual(pos.getTime() - lookback * 86_400_000 + 86_400_000);
          expect(b.from.getTime()).toBeLessThan(a.from.getTime());
          expect(a.to.getTime()).toBeGreaterThanOrEqual(a.from.getTime());
        },
      ),
    );
  });

  it('never downgrades a status', () => {
    const statuses = [
      'none',
      'pool_held',
      'case',
      'close_contact',
      'secondary_contact',
      'general_contact',
      'released',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...statuses),
        fc.constantFrom('close', 'secondary', 'general'),
        (s, level) => {
          const next = strongerStatus(s, level as 'close');
          expect(LEVEL_RANK[next] ?? 0).toBeGreaterThanOrEqual(LEVEL_RANK[s] ?? 0);
        },
      ),
    );
    expect(strongerStatus('case', 'close')).toBe('case');
    expect(strongerStatus('secondary_contact', 'close')).toBe('close_contact');
  });

  it('measures overlaps', () => {
    const t = (h: number) => new Date(Date.UTC(2022, 2, 14, h));
    expect(overlapMinutes({ from: t(1), to: t(3) }, { from: t(2), to: t(4) })).toBe(60);
    expect(overlapMinutes({ from: t(1), to: t(2) }, { from: t(3), to: t(4) })).toBe(0);
    expect(DEFAULT_TRACING_RULES.lookbackDays).toBe(2);
  });
});
