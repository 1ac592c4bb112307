/**
 * Epidemic growth on a homogeneous population (everyone mixing in one setting) against its analytic value:
 * the discrete Euler–Lotka equation 1 = Σ_τ K(τ) x^−τ, where K(τ) is the expected number of infections an agent
 * causes τ days after its own infection (the generation-interval distribution times R), computed here directly
 * from the duration tables and the infectiousness parameters, independently of the simulation code.
 */
import { describe, expect, it } from 'vitest';
import { createModel } from './model.ts';
import { ageBand, makeParams } from './params.ts';
import { homogeneousPopulation } from './population.ts';

function kernel(model: ReturnType<typeof createModel>, rate: number, age: number): Float64Array {
  const p = model.params;
  const t = model.tables;
  const b = ageBand(age);
  const f = p.asymptomaticFractionByAge[b] as number;
  const severe = (p.severeFractionByAge[b] as number) + (p.criticalFractionByAge[b] as number);
  const outI = (1 - severe) * p.symptomaticOutsideHomeFactor + severe * p.severeOutsideHomeFactor;
  const K = new Float64Array(64);
  const L = t.latent;
  for (let l = 1; l < L.length; l++) {
    const pl = L[l] as number;
    if (!pl) continue;
    for (let d = 1; d < t.asymptomaticInfectious.length; d++) {
      const q = f * pl * (t.asymptomaticInfectious[d] as number);
      for (let tau = l; tau < l + d; tau++)
        K[tau] = (K[tau] as number) + q * p.asymptomaticRelativeInfectiousness;
    }
    for (let pr = 1; pr < t.presymptomatic.length; pr++) {
      const qp = (1 - f) * pl * (t.presymptomatic[pr] as number);
      if (!qp) continue;
      for (let tau = l; tau < l + pr; tau++)
        K[tau] = (K[tau] as number) + qp * p.presymptomaticRelativeInfectiousness;
      for (let d = 1; d < t.symptomaticInfectious.length; d++) {
        const q = qp * (t.symptomaticInfectious[d] as number);
        for (let tau = l + pr; tau < l + pr + d; tau++) K[tau] = (K[tau] as number) + q * outI;
      }
    }
  }
  return K.map((k) => k * rate);
}

/** The daily growth rate r = ln x solving 1 = Σ K(τ) x^−τ. */
function eulerLotka(K: Float64Array): number {
  let lo = -1;
  let hi = 2;
  const f = (r: number) => {
    let s = 0;
    for (let tau = 1; tau < K.length; tau++) s += (K[tau] as number) * Math.exp(-r * tau);
    return s - 1;
  };
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function fittedGrowth(seed: number, rate: number, n: number, k: number): { r: number; days: number } {
  const seeds = 100;
  const m = createModel(
    homogeneousPopulation(n, 35),
    {
      householdSecondaryAttackRate: 0,
      stairwellDailyTransmissions: 0,
      communityDailyTransmissions: rate,
      infectiousnessDispersionK: k,
    },
    seed,
  );
  m.seedInfections(seeds, 0);
  const xs: number[] = [];
  const ys: number[] = [];
  let susceptibleBefore = n - seeds;
  m.step(0);
  for (let d = 1; d < 120; d++) {
    const r = m.step(d);
    // Each contact lands on a susceptible with probability S/N: divide it out (depletion correction).
    if (r.cumulativeInfections > 0.002 * n) {
      xs.push(d);
      ys.push(Math.log(r.newInfections / (susceptibleBefore / n)));
    }
    susceptibleBefore = r.states.susceptible;
    if (r.cumulativeInfections > 0.05 * n) break;
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    sxx += ((xs[i] as number) - mx) ** 2;
  }
  return { r: sxy / sxx, days: xs.length };
}

describe('growth rate against Euler–Lotka', () => {
  const N = 2_000_000;
  // [R, dispersion k (0 = none), tolerance]: with superspreading (k = 0.5) the daily counts are far noisier.
  const cases: [number, number, number][] = [
    [1.6, 0, 0.04],
    [2.5, 0, 0.04],
    [2.5, 0.5, 0.08],
  ];
  for (const [R, k, tol] of cases) {
    it(`R = ${R}, k = ${k}: fitted daily growth rate within ${tol * 100} % of the analytic value`, () => {
      const probe = createModel(homogeneousPopulation(10, 35), {}, 1);
      const unit = kernel(probe, 1, 35);
      const perUnit = unit.reduce((a, b) => a + b, 0);
      const rate = R / perUnit;
      const analytic = eulerLotka(kernel(probe, rate, 35));
      const fits = [1, 2, 3].map((s) => fittedGrowth(s, rate, N, k));
      const mean = fits.reduce((a, f) => a + f.r, 0) / fits.length;
      for (const f of fits) expect(f.days).toBeGreaterThanOrEqual(8);
      expect(analytic).toBeGreaterThan(0);
      expect(Math.abs(mean - analytic)).toBeLessThan(tol * analytic);
    });
  }

  it('the kernel adds up to R (a check of the test itself)', () => {
    const probe = createModel(homogeneousPopulation(10, 35), {}, 1);
    const p = makeParams();
    const K = kernel(probe, 1, 35);
    const f = p.asymptomaticFractionByAge[3] as number;
    const expected =
      f * p.asymptomaticRelativeInfectiousness * p.asymptomaticInfectiousMeanDays +
      (1 - f) *
        (p.presymptomaticRelativeInfectiousness * p.presymptomaticMeanDays +
          0.5 * p.symptomaticInfectiousMeanDays);
    // The discretised means differ from the configured ones by a few hundredths of a day.
    expect(Math.abs(K.reduce((a, b) => a + b, 0) - expected)).toBeLessThan(0.15);
  });
});
