import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_POOLING_POLICY, MAX_POOL_SIZE, type PoolingPolicy } from '../../domain/pooling.ts';
import { AppError } from '../../lib/errors.ts';
import {
  allocateTubes,
  planRound,
  type RoundArea,
  type RoundInput,
  type RoundLab,
  samplersFor,
  samplingPoints,
} from './planner.ts';

// 06:00 on 15 March 2022 in Jilin (UTC+8).
const startsAt = new Date('2022-03-14T22:00:00Z');
const hoursAfterStart = (d: Date) => (d.getTime() - startsAt.getTime()) / 3_600_000;

const areas: RoundArea[] = [
  {
    code: '220202001001',
    name: '东局子社区',
    population: 5_000,
    households: 1_800,
    zone: 'lockdown',
    isolated: 40,
  },
  {
    code: '220202001002',
    name: '站前社区',
    population: 12_000,
    households: 4_500,
    zone: 'control',
    isolated: 0,
    keyGroup: 200,
  },
  {
    code: '220202002001',
    name: '延江社区',
    population: 50_000,
    households: 18_000,
    zone: 'prevention',
    isolated: 0,
    keyGroup: 1_000,
  },
  { code: '220202003001', name: '文庙社区', population: 30_000, households: 11_000, zone: null, isolated: 0 },
];
const labs: RoundLab[] = [
  { id: 1, name: '吉林市疾控中心实验室', dailyCapacityTubes: 30_000 },
  { id: 2, name: '气膜实验室', dailyCapacityTubes: 20_000 },
];
const fits: RoundInput = { startsAt, areas, labs };

describe('sampling points and samplers', () => {
  it('gives one point per 2,000–3,000 people, aiming at 2,500, and one for any populated area', () => {
    expect(samplingPoints(0)).toBe(0);
    expect(samplingPoints(1)).toBe(1);
    expect(samplingPoints(1_999)).toBe(1);
    expect(samplingPoints(3_000)).toBe(1);
    expect(samplingPoints(3_001)).toBe(2); // no count fits 2,000–3,000: stay under 3,000 a point
    expect(samplingPoints(4_000)).toBe(2);
    expect(samplingPoints(5_000)).toBe(2);
    expect(samplingPoints(6_100)).toBe(3); // 2 would be 3,050 a point
    expect(samplingPoints(12_000)).toBe(5);
    expect(samplingPoints(4_600_000)).toBe(1_840);
  });

  it('keeps every point at or under 3,000 people, and at 2,000 or more whenever a count of points allows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (people) => {
        const n = samplingPoints(people);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(Math.ceil(people / n)).toBeLessThanOrEqual(3_000);
        const possible = Math.ceil(people / 3_000) <= Math.floor(people / 2_000);
        if (possible) expect(Math.floor(people / n)).toBeGreaterThanOrEqual(2_000);
      }),
    );
  });

  it('needs population ÷ 360 samplers (30 swabs an hour for 12 hours)', () => {
    expect(samplersFor(360)).toBe(1);
    expect(samplersFor(361)).toBe(2);
    expect(samplersFor(2_500)).toBe(7);
    expect(samplersFor(2_500, 10)).toBe(9); // a 10-hour window: 300 swabs a sampler
    fc.assert(
      fc.property(fc.nat(10_000_000), (people) => {
        expect(samplersFor(people)).toBe(Math.ceil(people / 360));
      }),
    );
  });
});

describe('planRound', () => {
  it('plans a round that fits: points, samplers, tubes, labs and the four stage clocks', () => {
    const plan = planRound(fits);
    const [lockdown, control, prevention, other] = plan.areas;
    expect(lockdown).toMatchObject({
      mode: 'single',
      points: 2,
      peoplePerPoint: { min: 2_500, max: 2_500 },
      samplersPerPoint: { min: 7, max: 7 },
      samplers: 14,
      tubes: { single: 5_000, household: 0, pooled: 0, total: 5_000 },
    });
    expect(lockdown?.collectionHours).toBeCloseTo(2_500 / (7 * 30), 9);
    expect(lockdown?.dispatchesPerPoint).toBe(6); // 11.9 h, tubes leave every 2 h
    expect(control).toMatchObject({
      mode: 'pooled',
      poolSize: 10,
      points: 5,
      samplers: 35,
      people: { single: 200, household: 0, pooled: 11_800 },
      tubes: { single: 200, pooled: 1_180, total: 1_380 },
    });
    expect(prevention).toMatchObject({
      poolSize: 20,
      points: 20,
      samplers: 140,
      tubes: { total: 1_000 + 2_450 },
    });
    expect(other).toMatchObject({ poolSize: 20, points: 12, samplers: 84, tubes: { total: 1_500 } });
    expect(plan.totals).toEqual({
      population: 97_000,
      points: 39,
      samplers: 273,
      samplersAvailable: null,
      tubes: { single: 6_200, household: 0, pooled: 5_130, total: 11_330 },
      dispatches: 39 * 6,
    });
    // 60 % and 40 % of capacity: both labs need the same 5.44 hours.
    expect(plan.labs.map((l) => l.tubes)).toEqual([6_798, 4_532]);
    for (const lab of plan.labs) expect(lab.hours).toBeCloseTo(11_330 / (50_000 / 24), 9);

    const { collect, transport, test, report } = plan.stages;
    expect(collect.startsAt).toEqual(startsAt);
    expect(hoursAfterStart(collect.endsAt)).toBeCloseTo(11.905, 3);
    expect(transport.startsAt).toEqual(collect.endsAt);
    expect(test.startsAt).toEqual(transport.endsAt);
    expect(hoursAfterStart(test.endsAt)).toBeCloseTo(11.905 + 4 + 5.438, 2);
    expect(report.endsAt).toEqual(plan.verdict.finishesAt);
    expect(hoursAfterStart(plan.verdict.finishesAt)).toBeCloseTo(23.34, 2);
    expect([collect, transport, test, report].every((s) => s.withinBudget)).toBe(true);
    expect(plan.deadline).toEqual(new Date('2022-03-15T22:00:00Z'));
    expect(plan.verdict).toMatchObject({ feasible: true, shortfalls: [] });
  });

  it('says precisely how many tubes the labs are short', () => {
    const plan = planRound({
      startsAt,
      areas: [
        {
          code: '2202',
          name: '吉林市',
          population: 4_600_000,
          households: 1_700_000,
          zone: null,
          isolated: 0,
        },
      ],
      labs: [
        { id: 1, name: 'A', dailyCapacityTubes: 400_000 },
        { id: 2, name: 'B', dailyCapacityTubes: 200_000 },
        { id: 3, name: 'C', dailyCapacityTubes: 120_000 },
      ],
    });
    expect(plan.totals.tubes.total).toBe(230_000);
    expect(plan.stages.test.withinBudget).toBe(false);
    expect(plan.stages.test.hours).toBeCloseTo(230_000 / 30_000, 3); // the busiest lab, within a tube
    expect(plan.verdict.feasible).toBe(false);
    expect(plan.verdict.shortfalls).toEqual([
      {
        kind: 'lab_capacity',
        unit: 'tubes',
        missing: 50_000,
        message:
          'labs can test 180,000 tubes in the 6-hour test window; the round needs 230,000: 50,000 tubes short ' +
          '(≈ 200,000 tubes/day more capacity)',
      },
      {
        kind: 'deadline',
        unit: 'hours',
        missing: 1.6, // 11.9 + 4 + 7.7 + 2 = 25.6 h
        message:
          'the round finishes at 2022-03-16 07:34 UTC+8, 1.6 h after its 24-hour deadline (2022-03-16 06:00 UTC+8)',
      },
    ]);
  });

  it('reports a stage over its budget even when slack elsewhere still meets the deadline', () => {
    const plan = planRound({
      ...fits,
      labs: [{ id: 1, name: 'A', dailyCapacityTubes: 40_000 }], // 10,000 tubes in 6 h; 11,330 needed
      stages: { transportHours: 2 }, // 22 hours of budgets: 2 hours of slack
    });
    expect(plan.verdict.shortfalls.map((s) => [s.kind, s.missing])).toEqual([['lab_capacity', 1_330]]);
    expect(plan.verdict.finishesAt <= plan.deadline).toBe(true);
    expect(plan.verdict.feasible).toBe(false);
  });

  it('says how many samplers are missing and how long collection then takes', () => {
    const plan = planRound({ ...fits, samplersAvailable: 200 });
    expect(plan.totals.samplersAvailable).toBe(200);
    expect(plan.stages.collect.hours).toBeCloseTo(97_000 / (200 * 30), 9);
    expect(plan.stages.collect.withinBudget).toBe(false);
    expect(plan.verdict.feasible).toBe(false);
    expect(plan.verdict.shortfalls.map((s) => s.kind)).toEqual(['samplers', 'deadline']);
    expect(plan.verdict.shortfalls[0]).toEqual({
      kind: 'samplers',
      unit: 'samplers',
      missing: 73,
      message:
        'the sampling points need 273 samplers to collect in the 12-hour window; 200 are available: 73 short ' +
        '(collection takes ≈ 16.2 h)',
    });
    expect(planRound({ ...fits, samplersAvailable: 273 }).verdict.feasible).toBe(true);
    expect(
      planRound({ ...fits, samplersAvailable: 273, stages: { testHours: undefined } }).verdict.feasible,
    ).toBe(true);
  });

  it('samples a lockdown zone one tube per household when the policy says so', () => {
    const policy: PoolingPolicy = { ...DEFAULT_POOLING_POLICY, lockdown: 'household' };
    const plan = planRound({ ...fits, policy });
    expect(plan.policy.lockdown).toBe('household');
    expect(plan.areas[0]).toMatchObject({
      mode: 'household',
      poolSize: 0,
      people: { single: 40, household: 4_960, pooled: 0 },
      tubes: { single: 40, household: 1_800, pooled: 0, total: 1_840 },
    });
    expect(plan.totals.tubes.total).toBe(11_330 - 5_000 + 1_840);
  });

  it('refuses invalid input with a message that names every problem', () => {
    const reasons = (input: RoundInput) => {
      try {
        planRound(input);
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect(err).toMatchObject({ status: 400, code: 'invalid_round_input' });
        return (err as Error).message;
      }
      throw new Error('planRound accepted invalid input');
    };
    const first = areas[0] as RoundArea;
    expect(reasons({ ...fits, areas: [{ ...first, population: -5 }] })).toContain(
      'area 220202001001 (东局子社区): population must be a whole number ≥ 0, got -5',
    );
    expect(reasons({ ...fits, areas: [] })).toBe(
      'cannot plan the round: the round has no areas: give at least one community or grid to test',
    );
    expect(reasons({ ...fits, stages: { testHours: 8 } })).toBe(
      'cannot plan the round: stage budgets (collect 12 h + transport 4 h + test 8 h + report 2 h = 26 h) exceed ' +
        'the 24-hour deadline',
    );
    expect(reasons({ ...fits, deadlineHours: 20 })).toContain('exceed the 20-hour deadline');
    expect(reasons({ ...fits, stages: { dispatchIntervalHours: 5 } })).toContain(
      'longer than the 4-hour transport',
    );
    expect(reasons({ ...fits, stages: { reportHours: 0 } })).toContain('reportHours must be a number > 0');
    expect(reasons({ ...fits, areas: [first, first] })).toContain('appears more than once');
    expect(reasons({ ...fits, areas: [{ ...first, households: 6_000 }] })).toContain(
      '6,000 households for 5,000',
    );
    expect(reasons({ ...fits, areas: [{ ...first, isolated: 4_900, keyGroup: 200 }] })).toContain(
      'exceed its population of 5,000',
    );
    expect(reasons({ ...fits, labs: [] })).toContain('no labs');
    expect(reasons({ ...fits, labs: [{ id: 1, name: 'A', dailyCapacityTubes: 0 }] })).toContain(
      'no capacity',
    );
    expect(reasons({ ...fits, samplersAvailable: 0 })).toContain(
      'samplersAvailable must be a whole number ≥ 1',
    );
    expect(reasons({ ...fits, startsAt: new Date('nonsense') })).toContain('startsAt must be a valid date');
    expect(reasons({ ...fits, policy: { ...DEFAULT_POOLING_POLICY, control: 60 } })).toContain(
      'policy.control',
    );
    // Several problems at once: all of them, in one message.
    const many = reasons({ ...fits, areas: [], labs: [], stages: { collectHours: 20 } });
    expect(many.split('; ')).toHaveLength(3);
  });

  describe('is deterministic and takes time only from its input', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    it('gives the same plan whatever the wall clock says', () => {
      vi.useFakeTimers();
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      const a = planRound(fits);
      vi.setSystemTime(new Date('1999-06-01T00:00:00Z'));
      expect(planRound(fits)).toEqual(a);
    });
  });
});

describe('allocateTubes', () => {
  it('shares tubes in proportion to capacity, each lab within one tube of its share', () => {
    expect(allocateTubes(7, [10, 10, 10])).toEqual([3, 2, 2]);
    expect(allocateTubes(10, [0, 5, 5])).toEqual([0, 5, 5]);
    fc.assert(
      fc.property(
        fc.nat(5_000_000),
        fc.array(fc.nat(1_000_000), { minLength: 1, maxLength: 12 }),
        (tubes, caps) => {
          fc.pre(caps.some((c) => c > 0));
          const out = allocateTubes(tubes, caps);
          const total = caps.reduce((s, c) => s + c, 0);
          expect(out.reduce((s, t) => s + t, 0)).toBe(tubes);
          out.forEach((t, i) => {
            expect(Math.abs(t - (tubes * (caps[i] as number)) / total)).toBeLessThan(1);
          });
        },
      ),
    );
  });
});

describe('planRound properties', () => {
  const zone = fc.constantFrom('lockdown' as const, 'control' as const, 'prevention' as const, null);
  const areaArb = fc
    .record({
      population: fc.oneof(fc.nat(5_000), fc.nat(300_000)),
      householdShare: fc.double({ min: 0, max: 1, noNaN: true }),
      isolatedShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
      keyShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
      zone,
    })
    .map(({ population, householdShare, isolatedShare, keyShare, zone }) => {
      const isolated = Math.floor(population * isolatedShare);
      return {
        name: 'area',
        population,
        households: Math.floor(population * householdShare),
        zone,
        isolated,
        keyGroup: Math.floor((population - isolated) * keyShare),
      };
    });
  const poolSize = fc.integer({ min: 1, max: MAX_POOL_SIZE });
  const inputArb = fc.record({
    areas: fc.array(areaArb, { minLength: 1, maxLength: 8 }),
    policy: fc.record({
      lockdown: fc.constantFrom('single' as const, 'household' as const),
      control: poolSize,
      prevention: poolSize,
      other: poolSize,
      isolated: fc.constant('single' as const),
      keyGroups: fc.constant('single' as const),
    }),
    capacities: fc.array(fc.integer({ min: 1, max: 2_000_000 }), { minLength: 1, maxLength: 6 }),
    samplersAvailable: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }),
  });

  it('keeps tubes between people / 50 and people, staffs every populated area, and allocates every tube', () => {
    fc.assert(
      fc.property(inputArb, ({ areas, policy, capacities, samplersAvailable }) => {
        const input: RoundInput = {
          startsAt,
          areas: areas.map((a, i) => ({ ...a, code: `22020200100${i}` })),
          policy,
          labs: capacities.map((c, i) => ({ id: i + 1, name: `lab ${i + 1}`, dailyCapacityTubes: c })),
          ...(samplersAvailable === undefined ? {} : { samplersAvailable }),
        };
        const plan = planRound(input);
        for (const a of plan.areas) {
          expect(a.tubes.total).toBeLessThanOrEqual(a.population);
          expect(a.tubes.total).toBeGreaterThanOrEqual(a.population / MAX_POOL_SIZE);
          expect(a.tubes.total).toBe(a.tubes.single + a.tubes.household + a.tubes.pooled);
          expect(a.people.single + a.people.household + a.people.pooled).toBe(a.population);
          if (a.population > 0) {
            expect(a.points).toBeGreaterThanOrEqual(1);
            expect(a.peoplePerPoint.max).toBeLessThanOrEqual(3_000);
            expect(a.samplers).toBeGreaterThanOrEqual(Math.ceil(a.population / 360));
            expect(a.collectionHours).toBeLessThanOrEqual(12);
          } else {
            expect(a.points).toBe(0);
          }
        }
        const total = plan.totals.tubes.total;
        expect(total).toBeLessThanOrEqual(plan.totals.population);
        expect(total).toBeGreaterThanOrEqual(plan.totals.population / MAX_POOL_SIZE);
        expect(plan.labs.reduce((s, l) => s + l.tubes, 0)).toBe(total);
        expect(plan.verdict.feasible).toBe(plan.verdict.shortfalls.length === 0);
        expect(plan.verdict.finishesAt.getTime()).toBeGreaterThanOrEqual(startsAt.getTime());
        for (const s of plan.verdict.shortfalls) expect(s.missing).toBeGreaterThan(0);
        const kinds = plan.verdict.shortfalls.map((s) => s.kind);
        expect(kinds.includes('deadline')).toBe(plan.verdict.finishesAt > plan.deadline);
        expect(kinds.includes('samplers')).toBe(
          samplersAvailable !== undefined && samplersAvailable < plan.totals.samplers,
        );
      }),
    );
  });
});
