import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bestPoolSize,
  DEFAULT_POOLING_POLICY,
  dorfmanTestsPerPerson,
  expectedTubes,
  householdTubes,
  MAX_POOL_SIZE,
  PoolingPolicySchema,
  pooledTubes,
  positivePoolShare,
  sampleModeFor,
} from './pooling.ts';

const k = fc.integer({ min: 1, max: MAX_POOL_SIZE });
const p = fc.double({ min: 0, max: 1, noNaN: true });

describe('pooling policy', () => {
  it('defaults to the 2022 protocols and validates with the schema', () => {
    expect(DEFAULT_POOLING_POLICY).toEqual({
      lockdown: 'single',
      control: 10,
      prevention: 20,
      other: 20,
      isolated: 'single',
      keyGroups: 'single',
    });
    expect(PoolingPolicySchema.parse(DEFAULT_POOLING_POLICY)).toEqual(DEFAULT_POOLING_POLICY);
    expect(PoolingPolicySchema.safeParse({ ...DEFAULT_POOLING_POLICY, lockdown: 'household' }).success).toBe(
      true,
    );
  });

  it('refuses pool sizes outside 1..50 and pooling for those who must have their own tube', () => {
    const bad = (patch: Record<string, unknown>) =>
      PoolingPolicySchema.safeParse({ ...DEFAULT_POOLING_POLICY, ...patch }).success;
    expect(bad({ control: 0 })).toBe(false);
    expect(bad({ prevention: 51 })).toBe(false);
    expect(bad({ other: 2.5 })).toBe(false);
    expect(bad({ lockdown: 'pooled' })).toBe(false);
    expect(bad({ isolated: 'pooled' })).toBe(false);
    expect(bad({ keyGroups: 'household' })).toBe(false);
    expect(bad({ control: 1, prevention: 50 })).toBe(true);
  });

  it('gives isolated people and key groups a tube of their own in any zone', () => {
    for (const zone of ['lockdown', 'control', 'prevention', null] as const) {
      const policy = { ...DEFAULT_POOLING_POLICY, lockdown: 'household' as const };
      expect(sampleModeFor({ zone, isolated: true, keyGroup: false }, policy)).toEqual({
        mode: 'single',
        poolSize: 1,
      });
      expect(sampleModeFor({ zone, isolated: false, keyGroup: true }, policy)).toEqual({
        mode: 'single',
        poolSize: 1,
      });
    }
  });

  it('samples each zone as the policy says', () => {
    const person = (zone: 'lockdown' | 'control' | 'prevention' | null) => ({
      zone,
      isolated: false,
      keyGroup: false,
    });
    expect(sampleModeFor(person('lockdown'))).toEqual({ mode: 'single', poolSize: 1 });
    expect(sampleModeFor(person('control'))).toEqual({ mode: 'pooled', poolSize: 10 });
    expect(sampleModeFor(person('prevention'))).toEqual({ mode: 'pooled', poolSize: 20 });
    expect(sampleModeFor(person(null))).toEqual({ mode: 'pooled', poolSize: 20 });
    const custom = { ...DEFAULT_POOLING_POLICY, lockdown: 'household' as const, control: 1, other: 5 };
    expect(sampleModeFor(person('lockdown'), custom)).toEqual({ mode: 'household', poolSize: 0 });
    expect(sampleModeFor(person('control'), custom)).toEqual({ mode: 'single', poolSize: 1 });
    expect(sampleModeFor(person(null), custom)).toEqual({ mode: 'pooled', poolSize: 5 });
  });
});

describe('Dorfman arithmetic', () => {
  it("matches DOMAIN.md's figures", () => {
    // p = 1 %: best k ≈ 11 at 0.196 tests per person; a 10-in-1 round has ~9.6 % positive pools.
    expect(bestPoolSize(0.01)).toBe(11);
    expect(dorfmanTestsPerPerson(11, 0.01)).toBeCloseTo(0.196, 3);
    expect(positivePoolShare(10, 0.01)).toBeCloseTo(0.096, 3);
    // p = 5 %: best k ≈ 5.
    expect(bestPoolSize(0.05)).toBe(5);
    expect(dorfmanTestsPerPerson(5, 0.05)).toBeCloseTo(0.426, 3);
  });

  it('counts one test per person without pooling, and stops pooling when it no longer pays', () => {
    expect(dorfmanTestsPerPerson(1, 0.2)).toBe(1);
    expect(bestPoolSize(0.5)).toBe(1); // above ~31 % prevalence pooling costs more than single tubes
    expect(bestPoolSize(0)).toBe(MAX_POOL_SIZE); // nothing to find: the largest pool
    expect(bestPoolSize(0.01, 8)).toBe(8);
    expect(positivePoolShare(20, 0)).toBe(0);
    expect(positivePoolShare(20, 1)).toBe(1);
  });

  it('refuses impossible pool sizes and prevalences', () => {
    expect(() => dorfmanTestsPerPerson(0, 0.01)).toThrow(/pool size/);
    expect(() => dorfmanTestsPerPerson(2.5, 0.01)).toThrow(/pool size/);
    expect(() => positivePoolShare(10, 1.5)).toThrow(/prevalence/);
    expect(() => positivePoolShare(10, Number.NaN)).toThrow(/prevalence/);
    expect(() => bestPoolSize(-0.1)).toThrow(/prevalence/);
  });

  it('positive pool share grows with the pool size and with prevalence, and stays in 0..1', () => {
    fc.assert(
      fc.property(k, k, p, p, (k1, k2, p1, p2) => {
        const [ka, kb] = k1 <= k2 ? [k1, k2] : [k2, k1];
        const [pa, pb] = p1 <= p2 ? [p1, p2] : [p2, p1];
        expect(positivePoolShare(ka, pa)).toBeLessThanOrEqual(positivePoolShare(kb, pa));
        expect(positivePoolShare(ka, pa)).toBeLessThanOrEqual(positivePoolShare(ka, pb));
        expect(positivePoolShare(ka, pa)).toBeGreaterThanOrEqual(0);
        expect(positivePoolShare(kb, pb)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('costs at least 1/k and at most 1/k + 1 tests per person, more as prevalence rises', () => {
    fc.assert(
      fc.property(k, p, p, (size, p1, p2) => {
        const cost = dorfmanTestsPerPerson(size, p1);
        expect(cost).toBeGreaterThanOrEqual(1 / size);
        expect(cost).toBeLessThanOrEqual(size === 1 ? 1 : 1 / size + 1);
        if (size > 1) expect(cost).toBeCloseTo(1 / size + positivePoolShare(size, p1), 12);
        const [pa, pb] = p1 <= p2 ? [p1, p2] : [p2, p1];
        expect(dorfmanTestsPerPerson(size, pa)).toBeLessThanOrEqual(dorfmanTestsPerPerson(size, pb));
      }),
    );
  });

  it('best pool size beats every other size and shrinks as prevalence rises', () => {
    fc.assert(
      fc.property(p, p, k, (p1, p2, other) => {
        const best = bestPoolSize(p1);
        expect(dorfmanTestsPerPerson(best, p1)).toBeLessThanOrEqual(dorfmanTestsPerPerson(other, p1));
        const [pa, pb] = p1 <= p2 ? [p1, p2] : [p2, p1];
        expect(bestPoolSize(pb)).toBeLessThanOrEqual(bestPoolSize(pa));
      }),
    );
  });
});

describe('tube counts', () => {
  it('counts single, household and pooled tubes', () => {
    expect(pooledTubes(0, 10)).toBe(0);
    expect(pooledTubes(101, 10)).toBe(11);
    expect(pooledTubes(7, 1)).toBe(7);
    expect(householdTubes(4_960, 1_800)).toBe(1_800);
    expect(householdTubes(3, 5)).toBe(3); // never more tubes than people
    expect(householdTubes(120, 0)).toBe(120); // no households known: one tube each
    expect(householdTubes(500, 1)).toBe(10); // a 500-person "household" still needs 50-swab tubes
    expect(householdTubes(0, 4)).toBe(0);
    expect(
      expectedTubes({
        single: 40,
        households: 1_800,
        pooled: [
          { size: 10, people: 11_800 },
          { size: 20, people: 49_001 },
        ],
      }),
    ).toBe(40 + 1_800 + 1_180 + 2_451);
    expect(() => pooledTubes(-1, 10)).toThrow(/people/);
    expect(() => expectedTubes({ single: 1.5, households: 0, pooled: [] })).toThrow(/single/);
  });

  it('never needs more tubes than people nor fewer than people / 50', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), k, (people, households, size) => {
        for (const tubes of [householdTubes(people, households), pooledTubes(people, size)]) {
          expect(tubes).toBeLessThanOrEqual(people);
          expect(tubes).toBeGreaterThanOrEqual(people / MAX_POOL_SIZE);
          if (people > 0) expect(tubes).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });
});
