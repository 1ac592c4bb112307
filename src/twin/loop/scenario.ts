/**
 * Scenarios (a city, a start, how the outbreak was seeded, the response as it happened) and strategies (what the
 * response could do differently). A strategy is the scenario's response with some fields changed, so two
 * strategies on one scenario and seed differ only where their decisions differ.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Edition } from '../../domain/terms.ts';

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
  fit: {
    status: string;
    fitted_on: string;
    seed_infections_per_million: number;
    seed_day: number;
    note: string;
  };
  response: Response;
}

export const LOCKDOWN_COMPLIANCE = 0.98;

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export const SCENARIOS = ['jilin-city-2022'] as const;

export function loadScenario(name: string): Scenario {
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new RangeError(`unknown scenario ${name}: choose one of ${SCENARIOS.join(', ')}`);
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Scenario;
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
