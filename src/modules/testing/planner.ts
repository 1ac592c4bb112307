/**
 * Plans one mass-testing round (全员核酸检测): sampling points and samplers per area, tubes from the pooling
 * policy, tubes per lab, the four stage clocks (collect, transport, test, report) and a verdict on whether the
 * round fits its deadline, with what is short said in plain words. Pure and deterministic: every time comes
 * from the input's start time.
 *
 * The model is sequential by stage budget, as the protocols set them: collection runs until the busiest point is
 * done, the last tubes reach the labs within the transport budget (they leave each point at least every
 * `dispatchIntervalHours`), the labs must clear every tube within the test window, then results are reported.
 * It is conservative: in practice labs start on the first batches while collection goes on.
 */
import {
  DEFAULT_POOLING_POLICY,
  householdTubes,
  type PoolingPolicy,
  PoolingPolicySchema,
  pooledTubes,
  type SampleMode,
  sampleModeFor,
  type ZoneLevel,
} from '../../domain/pooling.ts';
import { badRequest } from '../../lib/errors.ts';

/** Swabs one sampler takes in an hour: 360 in a 12-hour day, DOMAIN.md's "samplers = population ÷ 360". */
export const SWABS_PER_SAMPLER_HOUR = 30;
/** People one sampling point serves: one point per 2,000–3,000 people, 2,500 aimed at. */
export const POINT_MIN_PEOPLE = 2_000;
export const POINT_TARGET_PEOPLE = 2_500;
export const POINT_MAX_PEOPLE = 3_000;
export const DEFAULT_DEADLINE_HOURS = 24;
/** Messages give times in China Standard Time (UTC+8, no daylight saving). */
const MESSAGE_UTC_OFFSET_HOURS = 8;

export interface StageBudgets {
  collectHours: number;
  /** From the last swab to the last tube at its lab, including the wait for the next dispatch. */
  transportHours: number;
  testHours: number;
  reportHours: number;
  /** Tubes leave a sampling point at least this often. */
  dispatchIntervalHours: number;
}

export const DEFAULT_STAGE_BUDGETS: Readonly<StageBudgets> = Object.freeze({
  collectHours: 12,
  transportHours: 4,
  testHours: 6,
  reportHours: 2,
  dispatchIntervalHours: 2,
});

export interface RoundArea {
  /** Community or grid code. */
  code: string;
  name: string;
  population: number;
  households: number;
  zone: ZoneLevel | null;
  /** People under isolation in the area: sampled single-tube. */
  isolated: number;
  /** People of key groups (not also counted as isolated): sampled single-tube. */
  keyGroup?: number;
}

export interface RoundLab {
  id: number | string;
  name: string;
  dailyCapacityTubes: number;
}

export interface RoundInput {
  startsAt: Date;
  deadlineHours?: number;
  areas: readonly RoundArea[];
  policy?: PoolingPolicy;
  labs: readonly RoundLab[];
  /** Samplers the command can send; when absent, the plan assumes it sends as many as it needs. */
  samplersAvailable?: number;
  stages?: Partial<StageBudgets>;
}

export interface TubeBreakdown {
  single: number;
  household: number;
  pooled: number;
  total: number;
}

export interface AreaPlan {
  code: string;
  name: string;
  zone: ZoneLevel | null;
  population: number;
  /** How the residents outside isolation and key groups are sampled; poolSize 0 = one tube per household. */
  mode: SampleMode;
  poolSize: number;
  /** People by the way they are sampled. */
  people: { single: number; household: number; pooled: number };
  tubes: TubeBreakdown;
  points: number;
  peoplePerPoint: { min: number; max: number };
  samplersPerPoint: { min: number; max: number };
  /** Samplers for all the area's points (each point staffed for its own people). */
  samplers: number;
  /** Hours the busiest point needs with its samplers (≤ the collect budget). */
  collectionHours: number;
  /** Tube dispatches from each point over the collection. */
  dispatchesPerPoint: number;
}

export interface LabAllocation {
  id: number | string;
  name: string;
  dailyCapacityTubes: number;
  tubes: number;
  /** tubes ÷ (capacity / 24). */
  hours: number;
}

export interface StageTiming {
  budgetHours: number;
  hours: number;
  startsAt: Date;
  endsAt: Date;
  withinBudget: boolean;
}

export type ShortfallKind = 'lab_capacity' | 'samplers' | 'deadline';

export interface Shortfall {
  kind: ShortfallKind;
  message: string;
  /** In `unit`: tubes for lab capacity, samplers for samplers, hours past the deadline for the deadline. */
  missing: number;
  unit: 'tubes' | 'samplers' | 'hours';
}

export interface RoundVerdict {
  feasible: boolean;
  finishesAt: Date;
  shortfalls: Shortfall[];
}

export interface RoundPlan {
  startsAt: Date;
  deadline: Date;
  deadlineHours: number;
  budgets: StageBudgets;
  policy: PoolingPolicy;
  areas: AreaPlan[];
  totals: {
    population: number;
    points: number;
    samplers: number;
    samplersAvailable: number | null;
    tubes: TubeBreakdown;
    dispatches: number;
  };
  labs: LabAllocation[];
  stages: { collect: StageTiming; transport: StageTiming; test: StageTiming; report: StageTiming };
  verdict: RoundVerdict;
}

const HOUR_MS = 3_600_000;
const ZONES: ReadonlySet<unknown> = new Set(['lockdown', 'control', 'prevention', null]);

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const isPositive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

const num = (n: number) => n.toLocaleString('en-US');
const hoursText = (h: number) => (Number.isInteger(h) ? String(h) : h.toFixed(1));

function localTime(d: Date): string {
  const iso = new Date(d.getTime() + MESSAGE_UTC_OFFSET_HOURS * HOUR_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC+${MESSAGE_UTC_OFFSET_HOURS}`;
}

const addHours = (d: Date, h: number) => new Date(d.getTime() + Math.round(h * HOUR_MS));

/**
 * How many sampling points serve `people`: each serves 2,000–3,000 where some count of points allows it (the
 * one nearest 2,500 a point), otherwise the fewest points that keep every point at or under 3,000 (crowding at
 * a point is the risk the rule guards against). At least one point for anyone, none for nobody.
 */
export function samplingPoints(people: number): number {
  if (people === 0) return 0;
  const fewest = Math.ceil(people / POINT_MAX_PEOPLE);
  const most = Math.floor(people / POINT_MIN_PEOPLE);
  if (fewest > most) return fewest;
  return Math.min(most, Math.max(fewest, Math.round(people / POINT_TARGET_PEOPLE)));
}

/** Samplers for `people` to be swabbed within `collectHours`: ceil(people ÷ 360) with the 12-hour budget. */
export function samplersFor(
  people: number,
  collectHours: number = DEFAULT_STAGE_BUDGETS.collectHours,
): number {
  return Math.ceil(people / (SWABS_PER_SAMPLER_HOUR * collectHours));
}

function validate(input: RoundInput, budgets: StageBudgets, deadlineHours: number): PoolingPolicy {
  const problems: string[] = [];
  if (!(input.startsAt instanceof Date) || Number.isNaN(input.startsAt.getTime())) {
    problems.push('startsAt must be a valid date');
  }
  if (!isPositive(deadlineHours)) problems.push(`deadlineHours must be a number > 0, got ${deadlineHours}`);

  const stageNames = ['collectHours', 'transportHours', 'testHours', 'reportHours'] as const;
  const badStage = [...stageNames, 'dispatchIntervalHours' as const].filter((k) => !isPositive(budgets[k]));
  for (const k of badStage) problems.push(`stage budget ${k} must be a number > 0, got ${budgets[k]}`);
  if (badStage.length === 0) {
    const sum = stageNames.reduce((s, k) => s + budgets[k], 0);
    if (isPositive(deadlineHours) && sum > deadlineHours) {
      problems.push(
        `stage budgets (collect ${hoursText(budgets.collectHours)} h + transport ${hoursText(budgets.transportHours)} h` +
          ` + test ${hoursText(budgets.testHours)} h + report ${hoursText(budgets.reportHours)} h` +
          ` = ${hoursText(sum)} h) exceed the ${hoursText(deadlineHours)}-hour deadline`,
      );
    }
    if (budgets.dispatchIntervalHours > budgets.transportHours) {
      problems.push(
        `tubes leave a point every ${hoursText(budgets.dispatchIntervalHours)} h, longer than the` +
          ` ${hoursText(budgets.transportHours)}-hour transport budget: a tube could not reach its lab in time`,
      );
    }
  }

  if (!Array.isArray(input.areas) || input.areas.length === 0) {
    problems.push('the round has no areas: give at least one community or grid to test');
  } else {
    const seen = new Set<string>();
    for (const a of input.areas) {
      const label = `area ${a.code} (${a.name})`;
      if (seen.has(a.code)) problems.push(`${label} appears more than once`);
      seen.add(a.code);
      const keyGroup = a.keyGroup ?? 0;
      for (const [field, v] of [
        ['population', a.population],
        ['households', a.households],
        ['isolated', a.isolated],
        ['keyGroup', keyGroup],
      ] as const) {
        if (!isCount(v)) problems.push(`${label}: ${field} must be a whole number ≥ 0, got ${v}`);
      }
      if (!ZONES.has(a.zone)) problems.push(`${label}: unknown zone ${String(a.zone)}`);
      if (isCount(a.population) && isCount(a.households) && a.households > a.population) {
        problems.push(`${label}: ${num(a.households)} households for ${num(a.population)} people`);
      }
      if (isCount(a.population) && isCount(a.isolated) && isCount(keyGroup)) {
        if (a.isolated + keyGroup > a.population) {
          problems.push(
            `${label}: ${num(a.isolated)} isolated + ${num(keyGroup)} key-group people exceed its ` +
              `population of ${num(a.population)}`,
          );
        }
      }
    }
  }

  if (!Array.isArray(input.labs) || input.labs.length === 0) {
    problems.push('the round has no labs: give at least one lab with its daily capacity in tubes');
  } else {
    const seen = new Set<number | string>();
    for (const lab of input.labs) {
      if (seen.has(lab.id)) problems.push(`lab ${lab.id} (${lab.name}) appears more than once`);
      seen.add(lab.id);
      if (!isCount(lab.dailyCapacityTubes)) {
        problems.push(
          `lab ${lab.id} (${lab.name}): dailyCapacityTubes must be a whole number ≥ 0, got ${lab.dailyCapacityTubes}`,
        );
      }
    }
    if (input.labs.every((lab) => lab.dailyCapacityTubes === 0)) {
      problems.push('the labs have no capacity: every lab tests 0 tubes/day');
    }
  }

  if (
    input.samplersAvailable !== undefined &&
    !(isCount(input.samplersAvailable) && input.samplersAvailable >= 1)
  ) {
    problems.push(`samplersAvailable must be a whole number ≥ 1, got ${input.samplersAvailable}`);
  }

  const policy = PoolingPolicySchema.safeParse(input.policy ?? DEFAULT_POOLING_POLICY);
  if (!policy.success) {
    for (const issue of policy.error.issues)
      problems.push(`policy.${issue.path.join('.')}: ${issue.message}`);
  }

  if (problems.length > 0 || !policy.success) {
    throw badRequest('invalid_round_input', `cannot plan the round: ${problems.join('; ')}`, { problems });
  }
  return policy.data;
}

function planArea(area: RoundArea, policy: PoolingPolicy, budgets: StageBudgets): AreaPlan {
  const ownTube = area.isolated + (area.keyGroup ?? 0);
  const rest = area.population - ownTube;
  const { mode, poolSize } = sampleModeFor({ zone: area.zone, isolated: false, keyGroup: false }, policy);
  const people = {
    single: ownTube + (mode === 'single' ? rest : 0),
    household: mode === 'household' ? rest : 0,
    pooled: mode === 'pooled' ? rest : 0,
  };
  const household = householdTubes(people.household, area.households);
  const pooled = mode === 'pooled' ? pooledTubes(people.pooled, poolSize) : 0;
  const tubes = { single: people.single, household, pooled, total: people.single + household + pooled };

  const points = samplingPoints(area.population);
  const base = points === 0 ? 0 : Math.floor(area.population / points);
  const larger = points === 0 ? 0 : area.population % points; // points serving base + 1
  const maxLoad = larger > 0 ? base + 1 : base;
  const samplersAt = (load: number) => samplersFor(load, budgets.collectHours);
  const hoursAt = (load: number) => (load === 0 ? 0 : load / (samplersAt(load) * SWABS_PER_SAMPLER_HOUR));
  const collectionHours = Math.max(hoursAt(base), hoursAt(maxLoad));
  return {
    code: area.code,
    name: area.name,
    zone: area.zone,
    population: area.population,
    mode,
    poolSize,
    people,
    tubes,
    points,
    peoplePerPoint: { min: base, max: maxLoad },
    samplersPerPoint: { min: samplersAt(base), max: samplersAt(maxLoad) },
    samplers: larger * samplersAt(base + 1) + (points - larger) * samplersAt(base),
    collectionHours,
    dispatchesPerPoint:
      points === 0 ? 0 : Math.max(1, Math.ceil(collectionHours / budgets.dispatchIntervalHours)),
  };
}

/** Tubes in proportion to capacity (largest remainder, earlier labs first on a tie): each within one tube. */
export function allocateTubes(tubes: number, capacities: readonly number[]): number[] {
  const total = capacities.reduce((s, c) => s + c, 0);
  const quotas = capacities.map((c) => (total === 0 ? 0 : (tubes * c) / total));
  const out = quotas.map(Math.floor);
  let left = tubes - out.reduce((s, t) => s + t, 0);
  const order = quotas
    .map((q, i) => ({ i, rem: q - Math.floor(q) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    out[i] = (out[i] as number) + 1;
    left--;
  }
  return out;
}

function stage(
  startsAt: Date,
  budgetHours: number,
  hours: number,
  withinBudget = hours <= budgetHours,
): StageTiming {
  return { budgetHours, hours, startsAt, endsAt: addHours(startsAt, hours), withinBudget };
}

/** Plans a round. Throws AppError `invalid_round_input` (400) listing every problem with the input. */
export function planRound(input: RoundInput): RoundPlan {
  const deadlineHours = input.deadlineHours ?? DEFAULT_DEADLINE_HOURS;
  const given = Object.entries(input.stages ?? {}).filter(([, v]) => v !== undefined);
  const budgets: StageBudgets = { ...DEFAULT_STAGE_BUDGETS, ...Object.fromEntries(given) };
  const policy = validate(input, budgets, deadlineHours);

  const areas = input.areas.map((a) => planArea(a, policy, budgets));
  const sum = (f: (a: AreaPlan) => number) => areas.reduce((s, a) => s + f(a), 0);
  const population = sum((a) => a.population);
  const tubes: TubeBreakdown = {
    single: sum((a) => a.tubes.single),
    household: sum((a) => a.tubes.household),
    pooled: sum((a) => a.tubes.pooled),
    total: sum((a) => a.tubes.total),
  };
  const samplers = sum((a) => a.samplers);
  const available = input.samplersAvailable ?? null;
  const shortfalls: Shortfall[] = [];

  // Collect: every point staffed for its own people, or — with too few samplers — spread evenly over all.
  let collectHours = areas.reduce((h, a) => Math.max(h, a.collectionHours), 0);
  if (available !== null && available < samplers) {
    collectHours = Math.max(collectHours, population / (available * SWABS_PER_SAMPLER_HOUR));
    shortfalls.push({
      kind: 'samplers',
      unit: 'samplers',
      missing: samplers - available,
      message:
        `the sampling points need ${num(samplers)} samplers to collect in the ` +
        `${hoursText(budgets.collectHours)}-hour window; ${num(available)} are available: ` +
        `${num(samplers - available)} short (collection takes ≈ ${collectHours.toFixed(1)} h)`,
    });
  }
  const collect = stage(input.startsAt, budgets.collectHours, collectHours);
  // Transport: no distances are known here; the last tubes are taken to arrive at the end of the budget.
  const transport = stage(collect.endsAt, budgets.transportHours, budgets.transportHours);

  // Test: tubes shared among labs in proportion to capacity; the window is each lab's capacity × hours / 24.
  const capacities = input.labs.map((l) => l.dailyCapacityTubes);
  const dailyCapacity = capacities.reduce((s, c) => s + c, 0);
  const labs = allocateTubes(tubes.total, capacities).map((t, i) => {
    const lab = input.labs[i] as RoundLab;
    const hours = t === 0 ? 0 : t / (lab.dailyCapacityTubes / 24);
    return { id: lab.id, name: lab.name, dailyCapacityTubes: lab.dailyCapacityTubes, tubes: t, hours };
  });
  const windowCapacity = Math.floor((dailyCapacity * budgets.testHours) / 24);
  const labsFit = tubes.total <= windowCapacity;
  if (!labsFit) {
    const missing = tubes.total - windowCapacity;
    shortfalls.push({
      kind: 'lab_capacity',
      unit: 'tubes',
      missing,
      message:
        `labs can test ${num(windowCapacity)} tubes in the ${hoursText(budgets.testHours)}-hour test window; ` +
        `the round needs ${num(tubes.total)}: ${num(missing)} tubes short ` +
        `(≈ ${num(Math.ceil((missing * 24) / budgets.testHours))} tubes/day more capacity)`,
    });
  }
  const testHours = labs.reduce((h, l) => Math.max(h, l.hours), 0);
  const test = stage(transport.endsAt, budgets.testHours, testHours, labsFit);
  const report = stage(test.endsAt, budgets.reportHours, budgets.reportHours);

  const deadline = addHours(input.startsAt, deadlineHours);
  const finishesAt = report.endsAt;
  if (finishesAt > deadline) {
    const late = Math.ceil(((finishesAt.getTime() - deadline.getTime()) / HOUR_MS) * 10) / 10;
    shortfalls.push({
      kind: 'deadline',
      unit: 'hours',
      missing: late,
      message:
        `the round finishes at ${localTime(finishesAt)}, ${late.toFixed(1)} h after its ` +
        `${hoursText(deadlineHours)}-hour deadline (${localTime(deadline)})`,
    });
  }

  return {
    startsAt: input.startsAt,
    deadline,
    deadlineHours,
    budgets,
    policy,
    areas,
    totals: {
      population,
      points: sum((a) => a.points),
      samplers,
      samplersAvailable: available,
      tubes,
      dispatches: sum((a) => a.points * a.dispatchesPerPoint),
    },
    labs,
    stages: { collect, transport, test, report },
    verdict: { feasible: shortfalls.length === 0, finishesAt, shortfalls },
  };
}
