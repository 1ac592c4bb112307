import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluatePoint,
  type FitTargets,
  fitScenario,
  JILIN_CITY_TARGETS,
  refineSpace,
  runProxy,
  SCALE_PRIOR_WEIGHT,
} from './fit.ts';
import { loadScenario, type Response, scenarioModel } from './loop/scenario.ts';
import { AGENT_STATUS, createModel } from './model.ts';
import type { Population } from './population.ts';
import { testCity } from './test-city.ts';

let pop: Population;
beforeAll(async () => {
  pop = await testCity(20_000, 4);
}, 60_000);

const base: Response = loadScenario('jilin-city-2022').response;

describe('scenario days with a lead-in', () => {
  it('a seed day before the start runs the lead-in alone: scenario day d is model day d + lead-in', () => {
    const plain = createModel(pop, {}, 7);
    plain.seedInfections(30, 0);
    const plainReports = [];
    for (let d = 0; d < 12; d++) plainReports.push(plain.step(d));
    const led = scenarioModel(pop, {}, 7, { day: -5, infections: 30 });
    for (let d = 0; d < 7; d++) {
      const r = led.step(d);
      expect(r.day).toBe(d);
      expect(r.cumulativeInfections).toBe(plainReports[d + 5]?.cumulativeInfections);
      expect(r.newInfections).toBe(plainReports[d + 5]?.newInfections);
    }
    for (const a of plain.infectedAgents().slice(0, 50)) {
      expect(led.ct(a, 3)).toBe(plain.ct(a, 8));
      expect(led.testUniform(a, 3, 11)).toBe(plain.testUniform(a, 8, 11));
      const onset = plain.symptomOnsetDay(a);
      expect(led.symptomOnsetDay(a)).toBe(onset < 0 ? onset : onset - 5);
    }
  });

  it('a seed day on or after the start seeds that day', () => {
    const m = scenarioModel(pop, {}, 3, { day: 2, infections: 10 });
    expect(m.step(0).cumulativeInfections).toBe(0);
    expect(m.step(1).cumulativeInfections).toBe(0);
    expect(m.step(2).newBySetting.seed).toBe(10);
  });

  it('the contact scale multiplies the non-household settings only', () => {
    const count = (contactScale: number) => {
      const m = scenarioModel(pop, { contactScale }, 5, { day: 0, infections: 40 });
      const by: Record<string, number> = {};
      for (let d = 0; d < 10; d++)
        for (const [k, v] of Object.entries(m.step(d).newBySetting)) by[k] = (by[k] ?? 0) + v;
      return by;
    };
    const off = count(0);
    expect(off.household).toBeGreaterThan(0);
    for (const k of ['stairwell', 'workplace', 'school', 'market', 'community']) expect(off[k]).toBe(0);
    const lo = count(1);
    const hi = count(2);
    const outside = (b: Record<string, number>) =>
      Object.values(b).reduce((a, x) => a + x, 0) - (b.household ?? 0) - (b.seed ?? 0);
    expect(outside(hi)).toBeGreaterThan(1.5 * outside(lo));
  });
});

describe('the detection proxy', () => {
  it('finds nobody when nobody is tested, and only the infected when they are', () => {
    const none = runProxy({
      population: pop,
      response: { ...base, round_every_days: 0, fever_clinic_share: 0 },
      days: 12,
      seed: 1,
      seeding: { day: -3, infections: 30 },
    });
    expect(none.days.every((d) => d.detected === 0 && d.personTests === 0)).toBe(true);
    expect(none.days.at(-1)?.trueTotal).toBeGreaterThan(30);

    const single = runProxy({
      population: pop,
      response: { ...base, pool_size: 1, compliance: 1, round_every_days: 1, zones_from_day: 1000 },
      days: 12,
      seed: 1,
      seeding: { day: -3, infections: 30 },
    });
    const last = single.days.at(-1);
    expect(last?.detectedTotal).toBeGreaterThan(0);
    expect(last?.detectedTotal).toBeLessThanOrEqual(last?.trueTotal ?? 0);
    // before the first round only fever clinics test; a daily round of everyone free tests nearly everyone
    expect(single.days[0]?.personTests).toBeLessThan(100);
    expect(single.days[base.rounds_from_day]?.personTests).toBeGreaterThan(pop.size * 0.9);
    expect(single.days.at(-1)?.isolated).toBeGreaterThan(0);
    const { model } = single;
    // every case found was infected, and is isolated (found on day ≤ 9 → isolated by the end of day 11)
    expect(single.days.slice(0, 10).reduce((a, d) => a + d.detected, 0)).toBeLessThanOrEqual(
      model.infectedAgents().length,
    );
  });

  it('more testing finds a larger share and never gives more infections (in distribution, shared seeds)', () => {
    const sum = (r: Partial<Response>) => {
      let found = 0;
      let infected = 0;
      for (let seed = 1; seed <= 4; seed++) {
        const last = runProxy({
          population: pop,
          response: { ...base, zones_from_day: 1000, ...r },
          days: 14,
          seed,
          seeding: { day: -4, infections: 20 },
        }).days.at(-1);
        found += last?.detectedTotal ?? 0;
        infected += last?.trueTotal ?? 0;
      }
      return { found, infected };
    };
    const more = sum({ round_every_days: 1, compliance: 0.95 });
    const less = sum({ round_every_days: 3, compliance: 0.6 });
    expect(more.infected).toBeLessThanOrEqual(less.infected);
    expect(more.found / more.infected).toBeGreaterThan(less.found / less.infected);
  });

  it('locks down a community with a case from the zones day, and isolates the households of cases', () => {
    const run = runProxy({
      population: pop,
      response: { ...base, zones_from_day: 3 },
      days: 10,
      seed: 2,
      seeding: { day: -4, infections: 40 },
    });
    expect(run.days.slice(0, 3).every((d) => d.lockdownAreas === 0)).toBe(true);
    expect(run.days.at(-1)?.lockdownAreas).toBeGreaterThan(0);
    expect(AGENT_STATUS.isolated).toBe(2);
    expect(run.days.at(-1)?.isolated).toBeGreaterThan(run.days.at(-1)?.detectedTotal ?? 0);
  });
});

describe('the fit', () => {
  it('the loss is the log error of the counts, the first-detection penalty and the scale prior', () => {
    const targets: FitTargets = {
      realPeople: pop.size,
      detected: [{ days: [12, 13], count: 1e9 }],
      firstDetection: { from: 100, to: 101 },
    };
    const r = evaluatePoint(
      { leadInDays: 2, seedPerMillion: 1000, contactScale: 2 },
      { population: pop, response: base, targets, seeds: 1 },
    );
    const v = r.detected[0] as number;
    expect(r.firstInWindow).toBe(0);
    expect(r.loss).toBeCloseTo(Math.log((1 + v) / (1 + 1e9)) ** 2 + 1 + SCALE_PRIOR_WEIGHT, 6);
    expect(JILIN_CITY_TARGETS.detected[0]?.count).toBe(3580);
  });

  it('recovers the contact scale and seeding of targets the model made itself (other seeds)', () => {
    // A growing outbreak (no zones, rounds every other day) so the counts carry its growth rate and size;
    // superspreading off (dispersion 0) and 100 seeds so six seeds give a steady median in a city of 20,000.
    const response: Response = { ...base, zones_from_day: 1000, compliance: 0.7 };
    const params = { infectiousnessDispersionK: 0 };
    const truth = { leadInDays: 2, seedPerMillion: 5000, contactScale: 1.4 };
    const windows = [
      [4, 5],
      [6, 7],
      [8, 9],
      [10, 11],
    ];
    const made: number[][] = windows.map(() => []);
    for (let seed = 101; seed <= 106; seed++) {
      const run = runProxy({
        population: pop,
        response,
        days: 12,
        seed,
        seeding: { day: -truth.leadInDays, infections: 100 },
        params: { ...params, contactScale: truth.contactScale },
      });
      for (const [i, w] of windows.entries())
        made[i]?.push(w.reduce((a, d) => a + (run.days[d]?.detected ?? 0), 0) / w.length);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const targets: FitTargets = {
      realPeople: pop.size,
      detected: windows.map((days, i) => ({ days, count: med(made[i] as number[]) })),
      firstDetection: { from: 0, to: 3 },
    };
    // The fit runs on seeds 1–3, not the seeds that made the targets: it must find the truth through the noise.
    const fit = fitScenario({
      population: pop,
      response,
      targets,
      seeds: 3,
      params,
      refine: false,
      space: { leadInDays: [2], seedPerMillion: [2500, 5000, 10000], contactScale: [1.1, 1.4, 1.7] },
    });
    expect(fit.points).toHaveLength(9);
    // tolerance: one grid step either way would fail (± 21 % on the scale, × 2 on the seeding)
    expect(fit.best.contactScale).toBe(1.4);
    expect(fit.best.seedPerMillion).toBe(5000);
    expect((fit.points[1]?.loss ?? 0) - fit.best.loss).toBeGreaterThan(0.05);
    expect((fit.points.at(-1)?.loss ?? 0) - fit.best.loss).toBeGreaterThan(1);
  }, 30_000);

  it('refines around a point without leaving the ranges', () => {
    const s = refineSpace({ leadInDays: 1, seedPerMillion: 10, contactScale: 1 });
    expect(s.leadInDays).toEqual([0, 1, 2, 3]);
    expect(s.seedPerMillion).toContain(10);
    expect(s.contactScale).toContain(1);
  });
});
