/**
 * The disease course against its configuration: state durations, symptoms and severity by age, the household
 * secondary attack rate the household hazard is calibrated to, and the test models (PCR, pooling, antigen).
 */
import { describe, expect, it } from 'vitest';
import { gammaCdf, pmfMean } from './dist.ts';
import { createModel, STATE } from './model.ts';
import { ageBand, PARAMETERS } from './params.ts';
import { buildPopulation, homogeneousPopulation } from './population.ts';

const SILENT = {
  householdSecondaryAttackRate: 0,
  stairwellDailyTransmissions: 0,
  communityDailyTransmissions: 0,
} as const;

/** Empirical pmf of the number of days each agent spends in `st` (only agents that enter it). */
function durations(model: ReturnType<typeof createModel>, agents: Int32Array, st: number, horizon: number) {
  const counts = new Float64Array(40);
  let n = 0;
  for (const a of agents) {
    const d0 = model.infectedDay[a] as number;
    let k = 0;
    for (let d = d0; d <= d0 + horizon; d++) if (model.stateOn(a, d) === st) k++;
    if (k > 0) {
      counts[k] = (counts[k] as number) + 1;
      n++;
    }
  }
  return { pmf: counts.map((c) => c / n), n };
}

function totalVariation(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / 2;
}

describe('disease course', () => {
  const N = 60_000;
  const model = createModel(homogeneousPopulation(N, 35), SILENT, 11);
  const seeded = model.seedInfections(N, 0);
  for (let d = 0; d <= 40; d++) model.step(d);

  it('draws the discretised gammas the parameters describe', () => {
    const t = model.tables;
    // The discretised tables keep the configured means (rounding to whole days, minimum one day).
    expect(pmfMean(t.latent)).toBeCloseTo(PARAMETERS.latentMeanDays.value, 0);
    expect(
      Math.abs(pmfMean(t.symptomaticInfectious) - PARAMETERS.symptomaticInfectiousMeanDays.value),
    ).toBeLessThan(0.1);
    expect(
      Math.abs(pmfMean(t.asymptomaticInfectious) - PARAMETERS.asymptomaticInfectiousMeanDays.value),
    ).toBeLessThan(0.15);
    // The table is the gamma's mass rounded to the nearest day.
    const g = (d: number) => gammaCdf(d + 0.5, 5, 2) - gammaCdf(d - 0.5, 5, 2);
    expect(t.symptomaticInfectious[5]).toBeCloseTo(g(5), 10);
  });

  it('state durations follow their tables (total variation < 0.015, means within 0.05 day)', () => {
    const cases: [number, Float64Array][] = [
      [STATE.latent, model.tables.latent],
      [STATE.presymptomatic, model.tables.presymptomatic],
      [STATE.symptomatic, model.tables.symptomaticInfectious],
      [STATE.asymptomatic, model.tables.asymptomaticInfectious],
    ];
    for (const [st, table] of cases) {
      const { pmf, n } = durations(model, seeded, st, 40);
      expect(n).toBeGreaterThan(15_000);
      expect(totalVariation(pmf, table)).toBeLessThan(0.015);
      expect(Math.abs(pmfMean(pmf) - pmfMean(table))).toBeLessThan(0.05);
    }
  });

  it('every infection ends recovered; nobody is infected twice', () => {
    const r = model.census();
    expect(r.recovered).toBe(N);
    expect(new Set(model.infectedAgents()).size).toBe(N);
  });

  it('symptoms and severity follow the by-age tables', () => {
    for (const age of [5, 35, 85]) {
      const n = 100_000;
      const m = createModel(homogeneousPopulation(n, age), SILENT, 5);
      m.seedInfections(n, 0);
      const sev = [0, 0, 0, 0, 0];
      for (let a = 0; a < n; a++) {
        const k = m.severityCode[a] as number;
        sev[k] = (sev[k] as number) + 1;
      }
      const b = ageBand(age);
      const asym = PARAMETERS.asymptomaticFractionByAge.value[b] as number;
      const se = Math.sqrt((asym * (1 - asym)) / n);
      expect(Math.abs((sev[0] as number) / n - asym)).toBeLessThan(4 * se);
      const symptomatic = n - (sev[0] as number);
      const moderate = PARAMETERS.moderateFractionByAge.value[b] as number;
      const expected = moderate * symptomatic;
      expect(Math.abs((sev[2] as number) - expected)).toBeLessThan(4 * Math.sqrt(expected) + 2);
      // Symptomatic agents have an onset day; asymptomatic ones never have symptoms.
      const asymAgent = sev[0]
        ? Array.from({ length: 50 }, (_, i) => i).find((a) => m.severityCode[a] === 0)
        : undefined;
      if (asymAgent !== undefined) expect(m.symptomOnsetDay(asymAgent)).toBe(-1);
    }
  });
});

describe('household transmission', () => {
  it('calibrates the daily hazard to the configured secondary attack rate (BA.2 ≈ 0.39)', () => {
    const households = 30_000;
    const pop = buildPopulation([
      {
        code: '220202000000',
        households: Array.from({ length: households }, (_, i) => ({
          building: i,
          unit: 0,
          floor: 1,
          ages: [35, 35],
        })),
        venues: [],
      },
    ]);
    const m = createModel(pop, { stairwellDailyTransmissions: 0, communityDailyTransmissions: 0 }, 3);
    m.infect(
      Int32Array.from({ length: households }, (_, i) => 2 * i),
      0,
    );
    for (let d = 0; d <= 40; d++) m.step(d);
    let secondary = 0;
    for (let i = 0; i < households; i++) if (m.infector[2 * i + 1] === 2 * i) secondary++;
    const sar = secondary / households;
    expect(Math.abs(sar - PARAMETERS.householdSecondaryAttackRate.value)).toBeLessThan(0.015);
  });
});

describe('tests: PCR, pooling, antigen', () => {
  const n = 20_000;
  const m = createModel(homogeneousPopulation(n, 35), SILENT, 9);
  m.seedInfections(n, 0);
  for (let d = 0; d <= 30; d++) m.step(d);

  it('PCR positivity rises from infection, peaks near symptom onset and fades within three weeks', () => {
    const byDay = Array.from({ length: 30 }, (_, tau) => {
      let s = 0;
      for (let a = 0; a < n; a++) s += m.pcrPositiveProbability(a, tau);
      return s / n;
    });
    expect(byDay[0]).toBeLessThan(0.3);
    const peakDay = byDay.indexOf(Math.max(...byDay));
    expect(peakDay).toBeGreaterThanOrEqual(2);
    expect(peakDay).toBeLessThanOrEqual(6);
    expect(Math.max(...byDay)).toBeGreaterThan(0.95);
    expect(byDay[25]).toBeLessThan(0.05);
    // Mean days positive ≈ proliferation + clearance (≈ 10 days with the defaults).
    const days = byDay.reduce((a, b) => a + b, 0);
    expect(days).toBeGreaterThan(7);
    expect(days).toBeLessThan(13);
    // Never infected: Ct is Infinity and PCR negative (specificity 1 by default).
    const fresh = createModel(homogeneousPopulation(10), {}, 1);
    expect(fresh.ct(0, 3)).toBe(Number.POSITIVE_INFINITY);
    expect(fresh.pcrPositiveProbability(0, 3)).toBe(0);
  });

  it('a pool of k shifts Ct by log2(k) (liquid dilution) and pools combine viral loads', () => {
    const p1 = m.poolPositiveProbability([38], 1);
    expect(m.poolPositiveProbability([38], 10)).toBeCloseTo(
      m.poolPositiveProbability([38 + Math.log2(10)], 1),
      12,
    );
    expect(m.poolPositiveProbability([38], 20)).toBeLessThan(m.poolPositiveProbability([38], 10));
    expect(m.poolPositiveProbability([38], 10)).toBeLessThan(p1);
    expect(m.poolPositiveProbability([25], 20)).toBeGreaterThan(0.999);
    expect(m.poolPositiveProbability([Infinity, Infinity], 2)).toBe(0);
    // Two positives at Ct 36 carry twice the RNA of one: one Ct less.
    expect(m.poolPositiveProbability([36, 36], 10)).toBeCloseTo(m.poolPositiveProbability([35], 10), 12);
    // Swab pooling (no dilution): a pool is as sensitive as its strongest swab.
    const swab = createModel(homogeneousPopulation(10), { poolCtShiftPerDoubling: 0 }, 1);
    expect(swab.poolPositiveProbability([37], 20)).toBeCloseTo(swab.poolPositiveProbability([37], 1), 12);
    // Over the infected on day 6, 20-in-1 pools lose some sensitivity against single tubes.
    let single = 0;
    let pooled = 0;
    for (let a = 0; a < n; a++) {
      single += m.pcrPositiveProbability(a, 6, 1);
      pooled += m.pcrPositiveProbability(a, 6, 20);
    }
    expect(pooled).toBeLessThan(single);
    expect(pooled / single).toBeGreaterThan(0.8);
  });

  it('antigen sensitivity falls with Ct (≈ 95 % at Ct ≤ 25, under half beyond 28)', () => {
    let hi = 0;
    let hiN = 0;
    let lo = 0;
    let loN = 0;
    for (let a = 0; a < n; a++) {
      for (const day of [3, 8, 11]) {
        const c = m.ct(a, day);
        if (!Number.isFinite(c)) continue;
        if (c <= 22) {
          hi += m.antigenPositiveProbability(a, day);
          hiN++;
        } else if (c >= 30) {
          lo += m.antigenPositiveProbability(a, day);
          loN++;
        }
      }
    }
    expect(hi / hiN).toBeGreaterThan(0.88);
    expect(lo / loN).toBeLessThan(0.25);
    // Measured Ct scatters around the mean Ct, deterministically for a salt.
    const a = 1;
    const day = 4;
    expect(m.measuredCt(a, day, 7)).toBe(m.measuredCt(a, day, 7));
  });
});
