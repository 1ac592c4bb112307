import { describe, expect, it } from 'vitest';
import { Prng } from './prng.ts';

describe('seeded PRNG', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextUint32()
      )(new Prng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextUint32()
      )(new Prng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextUint32()
      )(new Prng(43)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('is roughly uniform (chi-square over 10 bins, 100k draws)', () => {
    const r = new Prng(7);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(r.next() * 10)]++;
    const chi = bins.reduce((s, o) => s + (o - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  it('draws integers inside their bounds and follows weights', () => {
    const r = new Prng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      const v = r.int(3, 5);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(5);
      const k = r.weighted([1, 2, 7]);
      counts[k] = (counts[k] as number) + 1;
    }
    expect((counts[2] as number) / 30_000).toBeCloseTo(0.7, 1);
    expect(() => r.pick([])).toThrow();
  });
});
