/**
 * `qingcang simulate`: a scenario run through the platform for each strategy and seed, each run in a fresh
 * database (strategies share seeds: common random numbers), then per day the median and the 10–90 % band of each
 * figure over the seeds, and a summary per strategy.
 */
import type { Db } from '../../db/types.ts';
import {
  type FitResult,
  type FitSpace,
  fitScenario,
  forwardMedians,
  JILIN_CITY_TARGETS,
  JILIN_SPACE,
  type PointResult,
  type ProxyDay,
  runProxy,
} from '../fit.ts';
import { type DayRow, runLoop } from './driver.ts';
import type { InvariantFailure } from './invariants.ts';
import {
  loadScenario,
  type Scenario,
  type ScenarioFit,
  saveScenarioFit,
  scenarioDays,
  scenarioParams,
  scenarioSeeding,
  strategyResponse,
} from './scenario.ts';
import { type CitySpec, openTwinDb, populationOf, seedWorld } from './world.ts';

export interface SimulateOptions {
  scenario: string;
  strategies: readonly string[];
  days: number;
  seeds: number;
  /** people of the simulated city (default: the scenario's real city) */
  people?: number;
  /** PostgreSQL admin URL (a temporary database per run), else PGlite in memory */
  databaseUrl?: string;
  /** the registry generator's seed (the city's shape) */
  citySeed?: number;
  onProgress?: (p: {
    strategy: string;
    seed: number;
    day: number;
    days: number;
    runs: number;
    run: number;
  }) => void;
}

export interface RunOutcome {
  strategy: string;
  seed: number;
  rows: DayRow[];
  failures: InvariantFailure[];
  seconds: number;
}

/** The figures banded per day (medians and 10–90 % over seeds). */
export const BANDED = [
  'true_infections',
  'true_new',
  'infectious',
  'detected',
  'detected_total',
  'detected_community',
  'contacts_found',
  'isolated',
  'at_home_held',
  'rooms_needed',
  'rooms_free',
  'beds_needed',
  'beds_free',
  'backlog',
  'backlog_oldest_hours',
  'person_tests',
  'tubes',
  'antigen_tests',
  'antigen_positive',
] as const;
type Banded = (typeof BANDED)[number];

export interface BandRow {
  strategy: string;
  date: string;
  day: number;
  /** the median over seeds of each figure, under its own name (`true_infections`, …), and `name_p10`, `name_p90` */
  [figure: string]: number | string;
}

export interface StrategySummary {
  strategy: string;
  seeds: number;
  /** first day from which no case is found outside quarantine (社会面清零), median; null if not reached */
  community_zero_date: string | null;
  community_zero_reached: number;
  peak_rooms_needed: number;
  peak_beds_needed: number;
  total_infections: number;
  total_infections_p10: number;
  total_infections_p90: number;
  detected: number;
  person_tests: number;
  invariant_failures: number;
}

export interface SimulateResult {
  scenario: Pick<Scenario, 'name' | 'title_zh' | 'title_en' | 'start' | 'fit'>;
  people: number;
  days: number;
  seeds: number;
  strategies: readonly string[];
  bands: BandRow[];
  summary: StrategySummary[];
  runs: RunOutcome[];
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Runs every strategy on every seed. Each run gets its own database (seeded afresh). */
export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  const sc = loadScenario(o.scenario);
  const people = o.people ?? sc.real_people;
  const spec: CitySpec = { city: sc.city, people, citySeed: o.citySeed ?? 42 };
  const population = await populationOf(spec);
  const runs: RunOutcome[] = [];
  const total = o.strategies.length * o.seeds;
  const seeding = scenarioSeeding(sc, people);
  const params = scenarioParams(sc);
  for (const strategy of o.strategies) {
    const response = strategyResponse(sc, strategy);
    for (let seed = 1; seed <= o.seeds; seed++) {
      const t0 = performance.now();
      const opened = await openTwinDb(o.databaseUrl);
      try {
        await seedWorld(opened.db as Db, spec, response, new Date(`${sc.start}T00:00:00+08:00`));
        const r = await runLoop({
          db: opened.db,
          population,
          response,
          start: sc.start,
          days: o.days,
          seed,
          seedInfections: seeding.infections,
          seedDay: seeding.day,
          params,
          onDay: (row) =>
            o.onProgress?.({
              strategy,
              seed,
              day: row.day + 1,
              days: o.days,
              runs: total,
              run: runs.length + 1,
            }),
        });
        runs.push({
          strategy,
          seed,
          rows: r.rows,
          failures: r.failures,
          seconds: (performance.now() - t0) / 1000,
        });
      } finally {
        await opened.dispose();
      }
    }
  }
  return {
    scenario: { name: sc.name, title_zh: sc.title_zh, title_en: sc.title_en, start: sc.start, fit: sc.fit },
    people,
    days: o.days,
    seeds: o.seeds,
    strategies: o.strategies,
    bands: bands(runs, o.strategies, o.days),
    summary: o.strategies.map((s) =>
      summarise(
        s,
        runs.filter((r) => r.strategy === s),
      ),
    ),
    runs,
  };
}

export function bands(runs: readonly RunOutcome[], strategies: readonly string[], days: number): BandRow[] {
  const out: BandRow[] = [];
  for (const strategy of strategies) {
    const mine = runs.filter((r) => r.strategy === strategy);
    for (let d = 0; d < days; d++) {
      const rows = mine.map((r) => r.rows[d]).filter((x): x is DayRow => x !== undefined);
      if (rows.length === 0) continue;
      const row: BandRow = { strategy, date: (rows[0] as DayRow).date, day: d };
      for (const f of BANDED) {
        const v = rows.map((r) => r[f as Banded] as number).sort((a, b) => a - b);
        row[f] = quantile(v, 0.5);
        row[`${f}_p10`] = quantile(v, 0.1);
        row[`${f}_p90`] = quantile(v, 0.9);
      }
      out.push(row);
    }
  }
  return out;
}

/**
 * Community zero (社会面清零): the first day from which every case found was already under control when found
 * (held at home or in quarantine) — no case found in the community (`detected_community`) on that day or after,
 * once a case has been found at all. Null when the run ends before it.
 */
function communityZeroDay(rows: readonly DayRow[]): number | null {
  let last = -1;
  for (const [d, r] of rows.entries()) if (r.detected_community > 0) last = d;
  if (last < 0 || last + 1 >= rows.length) return null;
  return last + 1;
}

export function summarise(strategy: string, runs: readonly RunOutcome[]): StrategySummary {
  const med = (f: (r: RunOutcome) => number) =>
    quantile(
      runs.map(f).sort((a, b) => a - b),
      0.5,
    );
  const totals = runs.map((r) => r.rows.at(-1)?.true_infections ?? 0).sort((a, b) => a - b);
  const zeros = runs.map((r) => communityZeroDay(r.rows)).filter((d): d is number => d !== null);
  const zeroDay =
    zeros.length > 0
      ? Math.round(
          quantile(
            [...zeros].sort((a, b) => a - b),
            0.5,
          ),
        )
      : null;
  return {
    strategy,
    seeds: runs.length,
    community_zero_date: zeroDay !== null ? (runs[0]?.rows[zeroDay]?.date ?? null) : null,
    community_zero_reached: zeros.length,
    peak_rooms_needed: med((r) => Math.max(0, ...r.rows.map((x) => x.rooms_needed))),
    peak_beds_needed: med((r) => Math.max(0, ...r.rows.map((x) => x.beds_needed))),
    total_infections: quantile(totals, 0.5),
    total_infections_p10: quantile(totals, 0.1),
    total_infections_p90: quantile(totals, 0.9),
    detected: med((r) => r.rows.at(-1)?.detected_total ?? 0),
    person_tests: med((r) => r.rows.reduce((a, x) => a + x.person_tests, 0)),
    invariant_failures: runs.reduce((a, r) => a + r.failures.length, 0),
  };
}

/** One CSV row per strategy and day: the banded figures (median, p10, p90). */
export function bandsCsv(rows: readonly BandRow[]): string {
  const cols = ['strategy', 'date', 'day', ...BANDED.flatMap((f) => [f, `${f}_p10`, `${f}_p90`])];
  const lines = [cols.join(',')];
  for (const r of rows) lines.push(cols.map((c) => String(r[c] ?? '')).join(','));
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------------ the fit

export interface FitCommandOptions {
  scenario: string;
  /** people of the fit's city (default: a tenth of the scenario's, the targets scaled with it) */
  people?: number;
  /** epidemic seeds per grid point */
  seeds?: number;
  citySeed?: number;
  space?: FitSpace;
  /** write the result into the scenario's file (default true) */
  save?: boolean;
  /** the fit's date, YYYY-MM-DD (default: today, UTC) */
  today?: string;
  onProgress?: (p: { stage: 'coarse' | 'refine'; done: number; total: number; best: PointResult }) => void;
}

export interface FitCommandResult {
  fit: FitResult;
  block: ScenarioFit;
  /** the fitted scenario run forward to its end with the detection proxy: medians per day over the seeds */
  forward: (ProxyDay & { date: string })[];
}

/**
 * Fits the scenario's seeding and contact scale (src/twin/fit.ts) on the model with the detection proxy, writes
 * the fit block into the scenario's file, and runs the fitted scenario forward to its end (proxy, same seeds).
 */
export async function fitCommand(o: FitCommandOptions): Promise<FitCommandResult> {
  const sc = loadScenario(o.scenario);
  if (sc.name !== 'jilin-city-2022') throw new RangeError(`no fit targets for scenario ${sc.name}`);
  const people = o.people ?? Math.round(sc.real_people / 10);
  const seeds = o.seeds ?? 3;
  const population = await populationOf({ city: sc.city, people, citySeed: o.citySeed ?? 42 });
  const fit = fitScenario({
    population,
    response: sc.response,
    targets: JILIN_CITY_TARGETS,
    seeds,
    space: o.space ?? JILIN_SPACE,
    onProgress: o.onProgress,
  });
  const b = fit.best;
  const scale = population.size / sc.real_people;
  const near = fit.near;
  const range = (f: (p: PointResult) => number) => `${Math.min(...near.map(f))}–${Math.max(...near.map(f))}`;
  const block: ScenarioFit = {
    status: 'fitted',
    fitted_on: sc.fit.fitted_on,
    seed_infections_per_million: b.seedPerMillion,
    seed_day: -b.leadInDays,
    contact_scale: b.contactScale,
    loss: Math.round(b.loss * 10_000) / 10_000,
    fitted_at: o.today ?? new Date().toISOString().slice(0, 10),
    people: population.size,
    seeds,
    achieved: {
      detected_13_14_march_mean_real_scale: Math.round((b.detected[0] ?? 0) / scale),
      target_14_march: JILIN_CITY_TARGETS.detected[0]?.count ?? null,
      first_detection_day: b.firstDetectionDay,
      first_detection_in_1_4_march_share: b.firstInWindow,
      true_infections_by_14_march_real_scale: Math.round(b.trueInfections / scale),
      person_tests_by_14_march_real_scale: b.personTests === null ? null : Math.round(b.personTests / scale),
      rounds_by_14_march: b.rounds,
      near_optimal_points: near.length,
      near_optimal_lead_in_days: range((p) => p.leadInDays),
      near_optimal_seed_per_million: range((p) => p.seedPerMillion),
      near_optimal_contact_scale: range((p) => p.contactScale),
    },
    note: sc.fit.note,
  };
  const days = scenarioDays(sc);
  const runs = [];
  for (let seed = 1; seed <= seeds; seed++)
    runs.push(
      runProxy({
        population,
        response: sc.response,
        days,
        seed,
        seeding: {
          day: block.seed_day,
          infections: scenarioSeeding({ ...sc, fit: block }, people).infections,
        },
        params: scenarioParams({ ...sc, fit: block }),
      }),
    );
  const start = Date.parse(`${sc.start}T00:00:00Z`);
  const forward = forwardMedians(runs).map((d) => ({
    ...d,
    date: new Date(start + d.day * 86_400_000).toISOString().slice(0, 10),
  }));
  if (o.save !== false) saveScenarioFit(sc.name, block);
  return { fit, block, forward };
}
