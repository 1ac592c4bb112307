/**
 * Scenarios (a city, a start, how the outbreak was seeded, the response as it happened) and strategies (what the
 * response could do differently). A strategy is the scenario's response with some fields changed, so two
 * strategies on one scenario and seed differ only where their decisions differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Edition } from '../../domain/terms.ts';
import { createModel, type Model, type ModelOptions } from '../model.ts';
import type { ModelParams } from '../params.ts';
import type { Population } from '../population.ts';

export interface Response {
  /** a city-wide round every N days (0: none) from day `rounds_from_day` */
  round_every_days: number;
  rounds_from_day: number;
  /** pool size of rounds outside lockdown zones (1: single tubes; lockdown zones sample one tube per household) */
  pool_size: number;
  /** share of free residents who come to a round; lockdown zones are sampled door to door (see LOCKDOWN_COMPLIANCE) */
  compliance: number;
  /** share of people who go to a fever clinic on the day their symptoms start (a single-tube test) */
  fever_clinic_share: number;
  /** share of the city's vehicles in service (the fleet: a smaller one makes transfers wait) */
  vehicles_share: number;
  /** share of the city's rooms and beds that exist (a larger one: more sites opened) */
  rooms_share: number;
  edition: Edition;
  zone_rules: 'march2022' | 'june2022';
  /** zones are set on the platform's suggestions from this day (a community with a case is locked down) */
  zones_from_day: number;
  /**
   * antigen self-tests (抗原自测) every N days from `rounds_from_day` (0: none) by this share of free residents; a
   * positive one is reported through the platform and confirmed by a single-tube PCR (its pcr_confirm task)
   */
  antigen_every_days: number;
  antigen_share: number;
  /**
   * share of venue visits checked in by scanning the venue code (场所码), fed to tracing through its check-in
   * service; and share of community contacts of infectious people that the telecom co-location feed (时空伴随)
   * records. Absent (older runs) → no feed. jilin-city-2022 takes 0.8 and 0.9, assumptions: venues had staff
   * check the scan at the door (场所码 were the rule in public places by March 2022) but people without a
   * smartphone, children and the elderly among them, did not scan; nearly every adult carries a phone, and a
   * co-location record needs both phones in the cell.
   */
  checkin_share?: number;
  colocation_share?: number;
}

export interface Scenario {
  name: string;
  title_zh: string;
  title_en: string;
  /** GB/T 2260 city code */
  city: string;
  /** the real city's residents; a run may use fewer (`people`), scaling seeds, rooms and vehicles with it */
  real_people: number;
  /** first simulated day (Beijing) */
  start: string;
  end: string;
  fit: ScenarioFit;
  response: Response;
}

/** How the outbreak was seeded and the contact-rate scale: initial values, or what src/twin/fit.ts found. */
export interface ScenarioFit {
  status: 'not fitted' | 'fitted';
  /** the real figures the fit used */
  fitted_on: string;
  /** infections seeded (per million residents, scaled to the run's people; at least 1) */
  seed_infections_per_million: number;
  /**
   * the scenario day they are seeded on; negative: that many days before `start`, the model running those lead-in
   * days alone with no response (nobody tested, no zones), so the outbreak is already under way on day 0
   */
  seed_day: number;
  /** params.ts contactScale: the multiplier of every non-household contact rate (absent: 1) */
  contact_scale?: number;
  /** the fit's loss at these values (fit.ts: how it is made) and what the model gives there */
  loss?: number;
  /** YYYY-MM-DD the fit was run, the city size and epidemic seeds it ran on */
  fitted_at?: string;
  people?: number;
  seeds?: number;
  /** the fitted figures against the real ones (medians over the fit's seeds, at the fit's scale) */
  achieved?: Record<string, number | string | null>;
  note: string;
}

export const LOCKDOWN_COMPLIANCE = 0.98;

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export const SCENARIOS = ['jilin-city-2022'] as const;

export function loadScenario(name: string): Scenario {
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new RangeError(`unknown scenario ${name}: choose one of ${SCENARIOS.join(', ')}`);
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Scenario;
}

/** Days from the scenario's start to its end, both included. */
export function scenarioDays(s: Scenario): number {
  return Math.round((Date.parse(`${s.end}T00:00:00Z`) - Date.parse(`${s.start}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Writes a new fit block into the scenario's file (the rest of the file as it is). */
export function saveScenarioFit(name: string, fit: ScenarioFit): void {
  const file = join(DIR, `${loadScenario(name).name}.json`);
  const s = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
  s.fit = fit;
  writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`);
}

/** The strategies to compare, as changes to the scenario's response. */
export const STRATEGIES: Record<string, { zh: string; en: string; change: Partial<Response> }> = {
  'as-it-happened': { zh: '实际做法', en: 'as it happened', change: {} },
  'daily-rounds': { zh: '每日一轮全员核酸', en: 'a round every day', change: { round_every_days: 1 } },
  'rounds-every-3-days': { zh: '三日一轮', en: 'a round every 3 days', change: { round_every_days: 3 } },
  'pool-20': { zh: '20 混 1', en: '20-in-1 pools', change: { pool_size: 20 } },
  'pool-10': { zh: '10 混 1', en: '10-in-1 pools', change: { pool_size: 10 } },
  'single-tube': { zh: '单管单检', en: 'one tube per person', change: { pool_size: 1 } },
  'half-fleet': { zh: '转运车辆减半', en: 'half the vehicles', change: { vehicles_share: 0.5 } },
  'quarter-fleet': {
    zh: '转运车辆四分之一',
    en: 'a quarter of the vehicles',
    change: { vehicles_share: 0.25 },
  },
  'more-rooms': { zh: '隔离房间增加一倍', en: 'twice the rooms', change: { rooms_share: 2 } },
  'fewer-rooms': { zh: '隔离房间减半', en: 'half the rooms', change: { rooms_share: 0.5 } },
  'edition-9': { zh: '第九版方案', en: '9th-edition terms', change: { edition: '9th' } },
  'june-zones': { zh: '六月版风险区', en: 'June-2022 risk areas', change: { zone_rules: 'june2022' } },
  'no-zones': { zh: '不划分管控区', en: 'no zones', change: { zones_from_day: 10_000 } },
  'antigen-screening': {
    zh: '每日抗原自测、阳性核酸复核，全员核酸每周一轮',
    en: 'daily antigen self-tests with PCR confirmation, a PCR round a week',
    change: { antigen_every_days: 1, antigen_share: 0.6, round_every_days: 7 },
  },
};

export function strategyResponse(s: Scenario, strategy: string): Response {
  const def = STRATEGIES[strategy];
  if (!def)
    throw new RangeError(`unknown strategy ${strategy}: choose from ${Object.keys(STRATEGIES).join(', ')}`);
  return { ...s.response, ...def.change };
}

/** The seeding of a run of `people` residents: how many infections, on which scenario day (negative: lead-in). */
export function scenarioSeeding(s: Scenario, people: number): { day: number; infections: number } {
  return {
    day: s.fit.seed_day,
    infections: Math.max(1, Math.round((s.fit.seed_infections_per_million * people) / 1e6)),
  };
}

/** The model parameters the scenario's fit sets (the contact-rate scale), over `base`. */
export function scenarioParams(s: Scenario, base: Partial<ModelParams> = {}): Partial<ModelParams> {
  return { ...base, contactScale: s.fit.contact_scale ?? base.contactScale ?? 1 };
}

/**
 * A model whose days are the scenario's days (0 = `start`), seeded as the fit says. A seed day before the start
 * (negative) is run here first: the model is seeded on its own day 0 and stepped alone for the lead-in days with
 * no interventions, then every day argument of the returned model is shifted by the lead-in (scenario day d is
 * model day d + lead-in). A seed day on or after the start is seeded when that day is stepped. The arrays the
 * model exposes (`infectedDay`) keep the model's own days; `symptomOnsetDay` is a scenario day, negative for an
 * onset during the lead-in (so −1 is either "none" or the day before the start: `severity` tells them apart).
 */
export function scenarioModel(
  population: Population,
  params: Partial<ModelParams>,
  seed: number,
  seeding: { day: number; infections: number },
  options: ModelOptions = {},
): Model {
  const m = createModel(population, params, seed, options);
  const lead = Math.max(0, -seeding.day);
  if (lead > 0) {
    m.seedInfections(seeding.infections, 0);
    for (let d = 0; d < lead; d++) m.step(d);
  }
  if (lead === 0 && seeding.day === 0) m.seedInfections(seeding.infections, 0);
  if (lead === 0 && seeding.day <= 0) return m;
  const sh = (day: number) => day + lead;
  return {
    population: m.population,
    params: m.params,
    seed: m.seed,
    tables: m.tables,
    householdBeta: m.householdBeta,
    state: m.state,
    infectedDay: m.infectedDay,
    infector: m.infector,
    infectedIn: m.infectedIn,
    severityCode: m.severityCode,
    get day() {
      return m.day - lead;
    },
    seedInfections: (n, day) => m.seedInfections(n, sh(day)),
    infect: (agents, day) => m.infect(agents, sh(day)),
    step(day, interventions) {
      if (lead === 0 && day === seeding.day) m.seedInfections(seeding.infections, day);
      const r = m.step(sh(day), interventions);
      return { ...r, day };
    },
    infectedAgents: () => m.infectedAgents(),
    newlyInfected: () => m.newlyInfected(),
    stateOn: (a, day) => m.stateOn(a, sh(day)),
    isSymptomatic: (a, day) => m.isSymptomatic(a, sh(day)),
    symptomOnsetDay(a) {
      const o = m.symptomOnsetDay(a);
      return o < 0 ? o : o - lead;
    },
    severity: (a) => m.severity(a),
    ct: (a, day) => m.ct(a, sh(day)),
    measuredCt: (a, day, salt) => m.measuredCt(a, sh(day), salt),
    pcrPositiveProbability: (a, day, pool) => m.pcrPositiveProbability(a, sh(day), pool),
    antigenPositiveProbability: (a, day) => m.antigenPositiveProbability(a, sh(day)),
    poolPositiveProbability: (cts, pool) => m.poolPositiveProbability(cts, pool),
    testUniform: (a, day, salt) => m.testUniform(a, sh(day), salt),
    census: () => m.census(),
    venueVisits: () => m.venueVisits(),
    contactsMet: () => m.contactsMet(),
    visitsVenue: (a, kind, day, interventions) => m.visitsVenue(a, kind, sh(day), interventions),
  };
}
