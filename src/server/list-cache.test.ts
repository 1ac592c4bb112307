import { describe, expect, it } from 'vitest';
import { ListCache } from './list-cache.ts';

describe('ListCache', () => {
  it('computes once per key while fresh, shares a computation in flight, and expires', async () => {
    let t = 0;
    const cache = new ListCache<number>(1000, 10, () => t);
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return runs;
    };
    const [a, b] = await Promise.all([cache.get('x', compute), cache.get('x', compute)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    t = 999;
    expect(await cache.get('x', compute)).toBe(1);
    expect(await cache.get('y', compute)).toBe(2);
    t = 1000;
    expect(await cache.get('x', compute)).toBe(3);
  });

  it('drops everything on invalidate, including a computation that was in flight', async () => {
    const cache = new ListCache<string>(60_000, 10, () => 0);
    let release: (v: string) => void = () => {};
    const slow = cache.get('x', () => new Promise<string>((r) => (release = r)));
    cache.invalidate();
    release('before the change');
    expect(await slow).toBe('before the change');
    expect(await cache.get('x', async () => 'after the change')).toBe('after the change');
  });

  it('keeps no failure, is off at 0 ms, and holds at most maxEntries keys', async () => {
    const cache = new ListCache<number>(60_000, 2, () => 0);
    await expect(cache.get('x', async () => Promise.reject(new Error('database down')))).rejects.toThrow(
      'database down',
    );
    expect(await cache.get('x', async () => 7)).toBe(7);
    await cache.get('y', async () => 8);
    await cache.get('z', async () => 9); // x, the oldest, goes
    expect(await cache.get('x', async () => 70)).toBe(70);
    expect(await cache.get('z', async () => 90)).toBe(9);
    const off = new ListCache<number>(0);
    let n = 0;
    await off.get('x', async () => ++n);
    expect(await off.get('x', async () => ++n)).toBe(2);
  });
});
