/**
 * # The twin's epidemic model (Omicron BA.2, agent-based, daily steps)
 *
 * One agent per registry person (src/twin/population.ts: typed arrays, households contiguous). Pure: no I/O,
 * no clock, no database; the closed loop drives it day by day through `step(day, interventions)` and asks it
 * what a test would show.
 *
 * ## States
 * susceptible → latent → (pre-symptomatic → symptomatic | asymptomatic) → recovered. An agent's whole course is
 * drawn when it is infected, from its own random stream (so it is the same whenever and by whomever it is
 * infected): latent, pre-symptomatic and infectious durations (discretised gammas, whole days), whether it will
 * have symptoms (by age), its severity (mild, moderate, severe, critical by age; 0 = asymptomatic), an
 * individual infectiousness multiplier (gamma, mean 1) and its viral kinetics (peak Ct, proliferation,
 * clearance: a piecewise-linear Ct trajectory peaking at symptom onset). "Recovered" means no longer
 * infectious; PCR can stay positive for days after.
 *
 * ## Transmission
 * Only infectious agents draw contacts, each day, per setting; a contact that reaches a susceptible infects it
 * with the target's susceptibility (by age) times its zone participation:
 * - household: every other member, daily hazard calibrated to the BA.2 household secondary attack rate;
 * - stairwell: Poisson(rate × w) targets on the same or an adjacent floor of the same unit (单元);
 * - workplace, school class, kindergarten class: Poisson(rate × w) targets among the group's members;
 * - market, supermarket, restaurant: the agent visits its usual venue of each kind with a daily probability;
 *   each visit draws targets among the venue's patrons, who are reached only if they visit that day too;
 * - community: Poisson(rate × w) random targets in the same community, a share anywhere in the city.
 * w = relative infectiousness of the state × the individual multiplier (× a factor outside home when
 * symptomatic). Infections take effect at the end of the day (the order agents are processed in does not matter
 * for who is infected; only the credited infector and setting follow agent order).
 *
 * ## Interventions (the loop's decisions, per day)
 * - per agent: `free`, `home` (held at home: household contacts only, e.g. a positive pool's members waiting
 *   for re-test) or `isolated` (placed in a site or hospital: no contact with the population);
 * - per area (community index), the zone level of zones.ts, March-2022 names: `lockdown` (household only —
 *   nobody leaves home), `control` (nobody leaves the area: every contact crossing the community boundary is
 *   cut; no gatherings: schools and dine-in closed, the rest reduced), `prevention` (reduced venues and
 *   community contacts). June-2022 names rank alike (high = lockdown, medium = control, low = prevention).
 *   The kept shares per setting are parameters (params.ts: lockdownFactors, controlFactors, preventionFactors).
 *
 * ## What it records for tracing (`recordContacts`)
 * Made with `recordContacts`, each step keeps the venue visits of infectious agents (`venueVisits`) and the venue
 * and community contacts they drew that reached someone free and not cut by zones, infected or not
 * (`contactsMet`); `visitsVenue` answers, from the same draws, whether anyone visited its venue of a kind that
 * day. The closed loop turns these into venue check-ins and co-location records. Recording takes the same
 * draws as not recording (the epidemic is the same) and costs O(visits and contacts of infectious agents).
 *
 * ## Randomness
 * Counter-based (src/twin/rng.ts): each draw is a hash of (seed, purpose, who, day, index). Two strategies on
 * one seed differ only where their decisions differ (common random numbers): an agent's course, an infector's
 * contacts on a day and a target's acceptance are the same draws in both.
 *
 * ## Cost
 * Per day: one pass over the agents currently infected (latent or infectious) — transitions and contacts —
 * and nothing proportional to the population. Memory ≈ 20 bytes an agent here plus the population's ≈ 50.
 * Measured (bench/twin-model.ts, 2-core machine, 1M agents × 60 days): 0.27 s with daily testing from day 0,
 * 0.60 s with testing from day 20, 5.5 s for an unmitigated epidemic infecting 92 % (≈ 1 µs per infectious
 * agent-day, much of it cache misses on random targets); peak RSS ≈ 430 MB including the generator.
 *
 * ## What it does not do
 * No deaths, hospital stays or reinfection (recovered agents stay immune for the run); no vaccination or waning
 * (their effect is inside the susceptibility and severity tables); no transport, shops or gatherings beyond the
 * venue kinds the generator makes; no contacts between isolated people, staff or patients (sites are outside
 * the population); no time of day (one step = one day; a same-day transfer removes a person from the next day);
 * no behaviour of its own (who is tested, found, held or isolated is the loop's decision); grid-level zones
 * must be mapped to communities by the caller; households' members are exposed for the whole infectious period
 * unless the loop moves them. Parameters and their honesty: params.ts.
 */
import {
  cdfOf,
  discreteGammaPmf,
  drawFromCdf,
  gammaQuantileTable,
  normCdf,
  normInv,
  poissonInv,
} from './dist.ts';
import { ageBand, type ModelParams, makeParams, SETTINGS, type Setting } from './params.ts';
import type { Population } from './population.ts';
import { PURPOSE, streamKey, uniform3 } from './rng.ts';

/** Disease states (codes in `Model.state`). */
export const STATE = {
  susceptible: 0,
  latent: 1,
  presymptomatic: 2,
  asymptomatic: 3,
  symptomatic: 4,
  recovered: 5,
} as const;
export type StateName = keyof typeof STATE;
export const STATE_NAMES = Object.keys(STATE) as StateName[];

/** Severity codes: 0 asymptomatic, then the treatment plan's classes. */
export const SEVERITY = ['asymptomatic', 'mild', 'moderate', 'severe', 'critical'] as const;
export type Severity = (typeof SEVERITY)[number];

/** What the loop decided for an agent (codes in `Interventions.agentStatus`). */
export const AGENT_STATUS = { free: 0, home: 1, isolated: 2 } as const;

/** Zone level codes (per area, in `Interventions.areaLevel`), ranked as zones.ts ranks them. */
export const ZONE_LEVEL = { none: 0, prevention: 1, control: 2, lockdown: 3 } as const;
const LEVEL_OF_NAME: Record<string, number> = {
  prevention: 1,
  low: 1,
  control: 2,
  medium: 2,
  lockdown: 3,
  high: 3,
};
/** The code of a zones.ts level name (either rule set); null or unknown → none. */
export function zoneLevelCode(level: string | null | undefined): number {
  return level ? (LEVEL_OF_NAME[level] ?? 0) : 0;
}

export interface Interventions {
  /** per agent: AGENT_STATUS codes; absent = everyone free */
  agentStatus?: Uint8Array;
  /** per area (community index): ZONE_LEVEL codes; absent = no zones */
  areaLevel?: Uint8Array;
}

/** Where an infection happened: the settings, then `seed` for seeded infections. */
export const INFECTION_SOURCES = [...SETTINGS, 'seed'] as const;
export type InfectionSource = (typeof INFECTION_SOURCES)[number];
const SEED_SOURCE = SETTINGS.length;

export interface DayReport {
  day: number;
  /** true new infections of the day, all and by setting */
  newInfections: number;
  newBySetting: Record<InfectionSource, number>;
  /** state counts at the end of the day; they sum to the population */
  states: Record<StateName, number>;
  /** presymptomatic + asymptomatic + symptomatic */
  infectious: number;
  /** agents in the symptomatic state, by severity */
  symptomaticBySeverity: Record<Exclude<Severity, 'asymptomatic'>, number>;
  /** everyone ever infected, by the severity of their course */
  cumulativeBySeverity: Record<Severity, number>;
  cumulativeInfections: number;
}

const H = 0;
const ST = 1;
const COMM = 8;
const NSET = SETTINGS.length;
const WEIGHT_TABLE = 1024;

export interface DurationTables {
  latent: Float64Array;
  presymptomatic: Float64Array;
  symptomaticInfectious: Float64Array;
  asymptomaticInfectious: Float64Array;
}

export interface Model {
  readonly population: Population;
  readonly params: Readonly<ModelParams>;
  readonly seed: number;
  /** the duration pmfs (index = days) the model draws from */
  readonly tables: DurationTables;
  /** the household daily hazard per unit infectiousness, calibrated to the secondary attack rate */
  readonly householdBeta: number;
  /** per agent: STATE code as of the last step */
  readonly state: Uint8Array;
  /** per agent: day of infection, −1 if never */
  readonly infectedDay: Int16Array;
  /** per agent: who infected it (−1 seeded or never) and where (INFECTION_SOURCES index) */
  readonly infector: Int32Array;
  readonly infectedIn: Uint8Array;
  /** per agent: severity code (SEVERITY index) of its course, meaningful once infected */
  readonly severityCode: Uint8Array;
  /** the last day stepped (−1 before the first step) */
  readonly day: number;
  /** infects n random susceptible agents on `day` (before stepping that day); returns who */
  seedInfections(n: number, day: number): Int32Array;
  /** infects the given agents on `day` (if still susceptible); returns how many were */
  infect(agents: ArrayLike<number>, day: number): number;
  /** advances to `day` (the next day), applying the day's interventions */
  step(day: number, interventions?: Interventions): DayReport;
  /** every agent ever infected, in infection order (a view; do not keep across steps) */
  infectedAgents(): Int32Array;
  /** the agents infected on the last stepped day (a view) */
  newlyInfected(): Int32Array;
  stateOn(agent: number, day: number): number;
  isSymptomatic(agent: number, day: number): boolean;
  /** day symptoms start, −1 for asymptomatic or never infected */
  symptomOnsetDay(agent: number): number;
  severity(agent: number): Severity | null;
  /** mean Ct of a swab taken on `day` (Infinity when no RNA is detectable or never infected) */
  ct(agent: number, day: number): number;
  /** a measured Ct (mean + measurement noise) for the loop, drawn from the test stream with `salt` */
  measuredCt(agent: number, day: number, salt?: number): number;
  /** probability a single-tube PCR (poolSize 1) or a pool of `poolSize` with otherwise negative swabs is positive */
  pcrPositiveProbability(agent: number, day: number, poolSize?: number): number;
  antigenPositiveProbability(agent: number, day: number): number;
  /** probability a pool of swabs with these mean Cts (Infinity = negative) tests positive */
  poolPositiveProbability(cts: ArrayLike<number>, poolSize?: number): number;
  /** a uniform draw in [0, 1) from the test stream, for the loop's own decisions (CRN across strategies) */
  testUniform(agent: number, day: number, salt?: number): number;
  /** a full O(N) recount of states (checks the incremental counters) */
  census(): Record<StateName, number>;
  /**
   * The venue visits of infectious agents on the last stepped day, as flat pairs [agent, venue, agent, venue, …]
   * (venue: the population's visit-venue index). Empty unless the model was made with `recordContacts` (a view;
   * do not keep across steps).
   */
  venueVisits(): Int32Array;
  /**
   * Whom infectious agents met outside home on the last stepped day, as flat triples [infector, target, setting,
   * …] (setting: INFECTION_SOURCES index): every venue and community contact drawn whose target was free, there
   * (a venue target visited that day too) and not cut by zones, whatever the target's state — infected or not.
   * Empty unless `recordContacts` (a view; do not keep across steps).
   */
  contactsMet(): Int32Array;
  /**
   * Whether `agent` visits its usual venue of `kind` (VENUE_KINDS index) on `day` under these interventions: the
   * model's own draw, the same one its transmission step takes (an infectious agent's visit as in `venueVisits`).
   */
  visitsVenue(agent: number, kind: number, day: number, interventions?: Interventions): boolean;
}

export interface ModelOptions {
  /** record each day's venue visits of infectious agents and the contacts they met (`venueVisits`, `contactsMet`) */
  recordContacts?: boolean;
}

/** A growable list of int32s, cleared each step (the recorded visits and contacts). */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push2(a: number, b: number): void {
    if (this.length + 2 > this.data.length) this.grow();
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) this.grow();
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
  }
  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

function householdBetaFor(
  sar: number,
  params: ModelParams,
  weights: Float64Array,
  t: DurationTables,
  asymShare: number,
): number {
  if (sar <= 0) return 0;
  const rP = params.presymptomaticRelativeInfectiousness;
  const rA = params.asymptomaticRelativeInfectiousness;
  // Distribution of an infector's total infectiousness W (before its individual multiplier).
  const wv: number[] = [];
  const wp: number[] = [];
  for (let d = 0; d < t.asymptomaticInfectious.length; d++) {
    const q = t.asymptomaticInfectious[d] as number;
    if (q > 0) {
      wv.push(rA * d);
      wp.push(asymShare * q);
    }
  }
  for (let a = 0; a < t.presymptomatic.length; a++) {
    const qa = t.presymptomatic[a] as number;
    if (qa <= 0) continue;
    for (let b = 0; b < t.symptomaticInfectious.length; b++) {
      const qb = t.symptomaticInfectious[b] as number;
      if (qb > 0) {
        wv.push(rP * a + b);
        wp.push((1 - asymShare) * qa * qb);
      }
    }
  }
  const step = Math.max(1, Math.floor(weights.length / 256));
  const sarOf = (beta: number) => {
    let s = 0;
    let n = 0;
    for (let i = 0; i < weights.length; i += step) {
      const m = weights[i] as number;
      for (let j = 0; j < wv.length; j++)
        s += (wp[j] as number) * (1 - Math.exp(-beta * m * (wv[j] as number)));
      n++;
    }
    return s / n;
  };
  let lo = 0;
  let hi = 1;
  while (sarOf(hi) < sar && hi < 1e6) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (sarOf(mid) < sar) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function createModel(
  population: Population,
  paramsIn: Partial<ModelParams> = {},
  seed = 1,
  options: ModelOptions = {},
): Model {
  const params = makeParams(paramsIn);
  const record = options.recordContacts === true;
  const visitsList = new IntList();
  const metList = new IntList();
  const pop = population;
  const N = pop.size;
  const maxD = Math.round(params.maxDurationDays);
  const tables: DurationTables = {
    latent: discreteGammaPmf(params.latentMeanDays, params.latentSdDays, 1, maxD),
    presymptomatic: discreteGammaPmf(params.presymptomaticMeanDays, params.presymptomaticSdDays, 1, maxD),
    symptomaticInfectious: discreteGammaPmf(
      params.symptomaticInfectiousMeanDays,
      params.symptomaticInfectiousSdDays,
      1,
      maxD,
    ),
    asymptomaticInfectious: discreteGammaPmf(
      params.asymptomaticInfectiousMeanDays,
      params.asymptomaticInfectiousSdDays,
      1,
      maxD,
    ),
  };
  const latentCdf = cdfOf(tables.latent);
  const preCdf = cdfOf(tables.presymptomatic);
  const symCdf = cdfOf(tables.symptomaticInfectious);
  const asymCdf = cdfOf(tables.asymptomaticInfectious);
  const weights = gammaQuantileTable(params.infectiousnessDispersionK, WEIGHT_TABLE);

  // By-age tables over whole years 0..255.
  const asymByAge = new Float64Array(256);
  const critByAge = new Float64Array(256);
  const sevByAge = new Float64Array(256);
  const modByAge = new Float64Array(256);
  const suscByAge = new Float64Array(256);
  for (let a = 0; a < 256; a++) {
    const b = ageBand(a);
    asymByAge[a] = params.asymptomaticFractionByAge[b] as number;
    critByAge[a] = params.criticalFractionByAge[b] as number;
    sevByAge[a] = (critByAge[a] as number) + (params.severeFractionByAge[b] as number);
    modByAge[a] = (sevByAge[a] as number) + (params.moderateFractionByAge[b] as number);
    suscByAge[a] = params.susceptibilityByAge[b] as number;
  }
  let asymShare = 0;
  for (let i = 0; i < N; i++) asymShare += asymByAge[pop.age[i] as number] as number;
  asymShare = N > 0 ? asymShare / N : 0.4;
  const householdBeta = householdBetaFor(
    params.householdSecondaryAttackRate,
    params,
    weights,
    tables,
    asymShare,
  );

  const zoneFactor = new Float64Array(4 * NSET);
  for (let s = 0; s < NSET; s++) {
    zoneFactor[s] = 1;
    zoneFactor[NSET + s] = params.preventionFactors[s] as number;
    zoneFactor[2 * NSET + s] = params.controlFactors[s] as number;
    zoneFactor[3 * NSET + s] = params.lockdownFactors[s] as number;
  }
  // The fitted scale of every non-household setting (params.ts: contactScale; 1 = the rates as stated).
  const cs = params.contactScale;
  const groupRate = [
    params.workplaceDailyTransmissions * cs,
    params.schoolDailyTransmissions * cs,
    params.kindergartenDailyTransmissions * cs,
  ];
  const visitP = [
    params.marketVisitProbability,
    params.supermarketVisitProbability,
    params.restaurantVisitProbability,
  ];
  const perVisit = [
    params.marketTransmissionsPerVisit * cs,
    params.supermarketTransmissionsPerVisit * cs,
    params.restaurantTransmissionsPerVisit * cs,
  ];
  const relInf = new Float64Array(6);
  relInf[STATE.presymptomatic] = params.presymptomaticRelativeInfectiousness;
  relInf[STATE.asymptomatic] = params.asymptomaticRelativeInfectiousness;
  relInf[STATE.symptomatic] = 1;

  const kCourse = streamKey(seed, PURPOSE.course);
  const kHouse = streamKey(seed, PURPOSE.household);
  const kStair = streamKey(seed, PURPOSE.stairwell);
  const kGroup = streamKey(seed, PURPOSE.group);
  const kVenue = streamKey(seed, PURPOSE.venue);
  const kComm = streamKey(seed, PURPOSE.community);
  const kVisit = streamKey(seed, PURPOSE.visit);
  const kAccept = streamKey(seed, PURPOSE.accept);
  const kSeed = streamKey(seed, PURPOSE.seed);
  const kTest = streamKey(seed, PURPOSE.test);

  const state = new Uint8Array(N);
  const infectedDay = new Int16Array(N).fill(-1);
  const infector = new Int32Array(N).fill(-1);
  const infectedIn = new Uint8Array(N).fill(255);
  const latent = new Uint8Array(N);
  const pre = new Uint8Array(N);
  const infDur = new Uint8Array(N);
  const severityCode = new Uint8Array(N);
  const weight = new Float32Array(N);
  const active = new Int32Array(N);
  let activeCount = 0;
  let activeEnd = 0; // during a step: where new infections are appended
  const everInfected = new Int32Array(N);
  let everCount = 0;
  let dayStartEver = 0;
  const counts = new Float64Array(6);
  counts[STATE.susceptible] = N;
  const cumSeverity = new Float64Array(5);
  const newBy = new Float64Array(NSET + 1);
  let lastDay = -1;
  let stepping = false;

  const { age, household, householdStart, area, areaStart, floorGroup, floorGroupStart, floorGroupStair } =
    pop;
  const { group, groupKind, groupStart, groupMembers, venue, venueStart, venueMembers } = pop;
  const groupsN = groupKind.length;

  function infectAgent(t: number, day: number, by: number, where: number): void {
    state[t] = STATE.latent;
    infectedDay[t] = day;
    infector[t] = by;
    infectedIn[t] = where;
    latent[t] = drawFromCdf(latentCdf, uniform3(kCourse, t, 0, 0));
    const a = age[t] as number;
    const asym = uniform3(kCourse, t, 1, 0) < (asymByAge[a] as number);
    let sev = 0;
    if (!asym) {
      const u = uniform3(kCourse, t, 2, 0);
      sev =
        u < (critByAge[a] as number)
          ? 4
          : u < (sevByAge[a] as number)
            ? 3
            : u < (modByAge[a] as number)
              ? 2
              : 1;
    }
    severityCode[t] = sev;
    pre[t] = asym ? 0 : drawFromCdf(preCdf, uniform3(kCourse, t, 3, 0));
    infDur[t] = drawFromCdf(asym ? asymCdf : symCdf, uniform3(kCourse, t, 4, 0));
    weight[t] = weights[Math.floor(uniform3(kCourse, t, 5, 0) * WEIGHT_TABLE)] as number;
    counts[STATE.susceptible] = (counts[STATE.susceptible] as number) - 1;
    counts[STATE.latent] = (counts[STATE.latent] as number) + 1;
    cumSeverity[sev] = (cumSeverity[sev] as number) + 1;
    newBy[where] = (newBy[where] as number) + 1;
    everInfected[everCount++] = t;
    if (stepping) active[activeEnd++] = t;
    else active[activeCount++] = t;
  }

  function stateAt(a: number, day: number): number {
    const d0 = infectedDay[a] as number;
    if (d0 < 0 || day < d0) return STATE.susceptible;
    const tau = day - d0;
    const l = latent[a] as number;
    if (tau < l) return STATE.latent;
    const p = pre[a] as number;
    if (p === 0) return tau < l + (infDur[a] as number) ? STATE.asymptomatic : STATE.recovered;
    if (tau < l + p) return STATE.presymptomatic;
    return tau < l + p + (infDur[a] as number) ? STATE.symptomatic : STATE.recovered;
  }

  // Reaching a susceptible outside the household: free, not cut by zones, accepted by its susceptibility.
  function reach(
    t: number,
    a: number,
    aArea: number,
    aLevel: number,
    setting: number,
    day: number,
    status: Uint8Array | undefined,
    levels: Uint8Array | undefined,
    withZone: boolean,
  ): void {
    if (state[t] !== STATE.susceptible || t === a) return;
    if (status !== undefined && status[t] !== 0) return;
    const tArea = area[t] as number;
    const tLevel = levels === undefined ? 0 : (levels[tArea] as number);
    if (tArea !== aArea && (aLevel >= 2 || tLevel >= 2)) return;
    let p = suscByAge[age[t] as number] as number;
    if (withZone) p *= zoneFactor[tLevel * NSET + setting] as number;
    if (uniform3(kAccept, t, day, a) < p) infectAgent(t, day, a, setting);
  }

  /** The share of an infectious agent's contacts outside home its state keeps (symptoms keep people home). */
  function outsideFactor(a: number, st: number): number {
    if (st !== STATE.symptomatic) return 1;
    return (severityCode[a] as number) >= 3
      ? params.severeOutsideHomeFactor
      : params.symptomaticOutsideHomeFactor;
  }

  // The share of its venue visits an agent keeps on a day: an infectious agent as its transmission step decides.
  function visitShare(a: number, day: number): number {
    const st = stateAt(a, day);
    if (st < STATE.presymptomatic || st > STATE.symptomatic) return 1;
    if ((relInf[st] as number) * (weight[a] as number) <= 0) return 0;
    return outsideFactor(a, st);
  }

  // A contact met, for the record: a free target whose contact no zone cuts, whatever its state.
  function noteMet(
    t: number,
    a: number,
    aArea: number,
    aLevel: number,
    setting: number,
    status: Uint8Array | undefined,
    levels: Uint8Array | undefined,
  ): void {
    if (t === a || (status !== undefined && status[t] !== 0)) return;
    const tArea = area[t] as number;
    const tLevel = levels === undefined ? 0 : (levels[tArea] as number);
    if (tArea !== aArea && (aLevel >= 2 || tLevel >= 2)) return;
    metList.push3(a, t, setting);
  }

  function transmit(
    a: number,
    st: number,
    day: number,
    status: Uint8Array | undefined,
    levels: Uint8Array | undefined,
  ): void {
    const aStatus = status === undefined ? 0 : (status[a] as number);
    if (aStatus === AGENT_STATUS.isolated) return;
    const w = (relInf[st] as number) * (weight[a] as number);
    if (w <= 0) return;
    const aArea = area[a] as number;
    const aLevel = levels === undefined ? 0 : (levels[aArea] as number);
    const zf = aLevel * NSET;
    // Household: every other member not away in isolation.
    const h = household[a] as number;
    const hEnd = householdStart[h + 1] as number;
    if (householdBeta > 0) {
      for (let m = householdStart[h] as number; m < hEnd; m++) {
        if (m === a || state[m] !== STATE.susceptible) continue;
        if (status !== undefined && status[m] === AGENT_STATUS.isolated) continue;
        const p =
          1 -
          Math.exp(
            -householdBeta * w * (zoneFactor[zf + H] as number) * (suscByAge[age[m] as number] as number),
          );
        if (uniform3(kHouse, a, day, m) < p) infectAgent(m, day, a, H);
      }
    }
    if (aStatus === AGENT_STATUS.home) return;
    const outside = outsideFactor(a, st);
    const out = w * outside;
    if (out <= 0) return;
    // Stairwell: same or adjacent floor of the same unit.
    const lam = params.stairwellDailyTransmissions * cs * out * (zoneFactor[zf + ST] as number);
    if (lam > 0) {
      const g = floorGroup[a] as number;
      const stair = floorGroupStair[g] as number;
      const lo =
        g > 0 && floorGroupStair[g - 1] === stair
          ? (floorGroupStart[g - 1] as number)
          : (floorGroupStart[g] as number);
      const hi =
        floorGroupStair[g + 1] === stair
          ? (floorGroupStart[g + 2] as number)
          : (floorGroupStart[g + 1] as number);
      const n = poissonInv(lam, uniform3(kStair, a, day, 0));
      for (let j = 0; j < n; j++) {
        const t = lo + Math.floor(uniform3(kStair, a, day, j + 1) * (hi - lo));
        if (household[t] !== h) reach(t, a, aArea, aLevel, ST, day, status, levels, true);
      }
    }
    // Workplace, school class, kindergarten class.
    const g = group[a] as number;
    if (g >= 0 && g < groupsN) {
      const kind = groupKind[g] as number;
      const setting = 2 + kind;
      const lamG = (groupRate[kind] as number) * out * (zoneFactor[zf + setting] as number);
      if (lamG > 0) {
        const s0 = groupStart[g] as number;
        const size = (groupStart[g + 1] as number) - s0;
        if (size > 1) {
          const n = poissonInv(lamG, uniform3(kGroup, a, day, 0));
          for (let j = 0; j < n; j++) {
            const t = groupMembers[s0 + Math.floor(uniform3(kGroup, a, day, j + 1) * size)] as number;
            reach(t, a, aArea, aLevel, setting, day, status, levels, true);
          }
        }
      }
    }
    // Venues: the agent's usual market, supermarket, restaurant.
    for (let k = 0; k < 3; k++) {
      const v = venue[a * 3 + k] as number;
      if (v < 0) continue;
      const setting = 5 + k;
      const pv = visitP[k] as number;
      const fa = zoneFactor[zf + setting] as number;
      if (!(uniform3(kVisit, a, day, k) < pv * fa * outside)) continue;
      if (record) visitsList.push2(a, v);
      const s0 = venueStart[v] as number;
      const size = (venueStart[v + 1] as number) - s0;
      if (size <= 1 || pv <= 0) continue;
      const n = poissonInv(((perVisit[k] as number) * w) / pv, uniform3(kVenue, a, day, k * 4096));
      for (let j = 0; j < n; j++) {
        const t = venueMembers[s0 + Math.floor(uniform3(kVenue, a, day, k * 4096 + j + 1) * size)] as number;
        // Recording, every target is looked at; otherwise only susceptible ones (the same outcome, fewer draws).
        if ((!record && state[t] !== STATE.susceptible) || t === a) continue;
        if (status !== undefined && status[t] !== 0) continue;
        const tLevel = levels === undefined ? 0 : (levels[area[t] as number] as number);
        const keep = state[t] === STATE.susceptible ? 1 : visitShare(t, day);
        if (uniform3(kVisit, t, day, k) >= pv * (zoneFactor[tLevel * NSET + setting] as number) * keep)
          continue;
        if (record) metList.push3(a, t, setting);
        reach(t, a, aArea, aLevel, setting, day, status, levels, false);
      }
    }
    // Random community contacts: own community, a share anywhere in the city.
    const lamC = params.communityDailyTransmissions * cs * out * (zoneFactor[zf + COMM] as number);
    if (lamC > 0) {
      const n = poissonInv(lamC, uniform3(kComm, a, day, 0));
      const aLo = areaStart[aArea] as number;
      const aN = (areaStart[aArea + 1] as number) - aLo;
      for (let j = 0; j < n; j++) {
        const u = uniform3(kComm, a, day, 2 * j + 1);
        const t =
          uniform3(kComm, a, day, 2 * j + 2) < params.communityCityShare
            ? Math.floor(u * N)
            : aLo + Math.floor(u * aN);
        if (record) noteMet(t, a, aArea, aLevel, COMM, status, levels);
        reach(t, a, aArea, aLevel, COMM, day, status, levels, true);
      }
    }
  }

  function report(day: number): DayReport {
    const newBySetting = {} as Record<InfectionSource, number>;
    let total = 0;
    for (let s = 0; s <= NSET; s++) {
      newBySetting[INFECTION_SOURCES[s] as InfectionSource] = newBy[s] as number;
      total += newBy[s] as number;
    }
    const states = {} as Record<StateName, number>;
    for (let s = 0; s < 6; s++) states[STATE_NAMES[s] as StateName] = counts[s] as number;
    const sym = [0, 0, 0, 0, 0];
    for (let i = 0; i < activeCount; i++) {
      const a = active[i] as number;
      if (state[a] === STATE.symptomatic) {
        const k = severityCode[a] as number;
        sym[k] = (sym[k] as number) + 1;
      }
    }
    return {
      day,
      newInfections: total,
      newBySetting,
      states,
      infectious: states.presymptomatic + states.asymptomatic + states.symptomatic,
      symptomaticBySeverity: {
        mild: sym[1] as number,
        moderate: sym[2] as number,
        severe: sym[3] as number,
        critical: sym[4] as number,
      },
      cumulativeBySeverity: {
        asymptomatic: cumSeverity[0] as number,
        mild: cumSeverity[1] as number,
        moderate: cumSeverity[2] as number,
        severe: cumSeverity[3] as number,
        critical: cumSeverity[4] as number,
      },
      cumulativeInfections: everCount,
    };
  }

  function peakTime(a: number): number {
    const p = pre[a] as number;
    return (latent[a] as number) + (p > 0 ? p : drawFromCdf(preCdf, uniform3(kCourse, a, 3, 0)));
  }

  function ct(a: number, day: number): number {
    const d0 = infectedDay[a] as number;
    if (d0 < 0 || day < d0) return Number.POSITIVE_INFINITY;
    const tau = day - d0;
    const tPeak = peakTime(a);
    const peak = Math.min(
      36,
      Math.max(12, params.peakCtMean + params.peakCtSd * normInv(uniform3(kCourse, a, 6, 0))),
    );
    const prol = Math.max(
      0.5,
      params.proliferationMeanDays * (1 + 0.3 * normInv(uniform3(kCourse, a, 7, 0))),
    );
    let clr = Math.max(
      2,
      params.clearanceMeanDays + params.clearanceSdDays * normInv(uniform3(kCourse, a, 8, 0)),
    );
    if (pre[a] === 0) clr *= params.asymptomaticClearanceFactor;
    const lod = 40;
    const start = tPeak - prol;
    if (tau <= start || tau >= tPeak + clr) return Number.POSITIVE_INFINITY;
    if (tau <= tPeak) return lod - ((lod - peak) * (tau - start)) / prol;
    return peak + ((lod - peak) * (tau - tPeak)) / clr;
  }

  function poolPositiveProbability(cts: ArrayLike<number>, poolSize = cts.length): number {
    let conc = 0;
    for (let i = 0; i < cts.length; i++) {
      const c = cts[i] as number;
      if (Number.isFinite(c)) conc += 2 ** -c;
    }
    const fp = 1 - params.pcrSpecificity;
    if (conc <= 0) return fp;
    const poolCt = -Math.log2(conc) + params.poolCtShiftPerDoubling * Math.log2(Math.max(1, poolSize));
    const p = normCdf((params.pcrDetectionCt - poolCt) / params.ctMeasurementSd);
    return fp + (1 - fp) * p;
  }

  const model: Model = {
    population: pop,
    params,
    seed,
    tables,
    householdBeta,
    state,
    infectedDay,
    infector,
    infectedIn,
    severityCode,
    get day() {
      return lastDay;
    },
    seedInfections(n, day) {
      if (day <= lastDay) throw new RangeError(`day ${day} is already stepped (last ${lastDay})`);
      const out: number[] = [];
      const want = Math.min(n, counts[STATE.susceptible] as number);
      for (let j = 0; out.length < want && j < 1000 * N + 1000; j++) {
        const t = Math.floor(uniform3(kSeed, day, j, 0) * N);
        if (state[t] !== STATE.susceptible) continue;
        infectAgent(t, day, -1, SEED_SOURCE);
        out.push(t);
      }
      return Int32Array.from(out);
    },
    infect(agents, day) {
      if (day <= lastDay) throw new RangeError(`day ${day} is already stepped (last ${lastDay})`);
      let k = 0;
      for (let i = 0; i < agents.length; i++) {
        const t = agents[i] as number;
        if (state[t] === STATE.susceptible) {
          infectAgent(t, day, -1, SEED_SOURCE);
          k++;
        }
      }
      return k;
    },
    step(day, interventions = {}) {
      if (day !== lastDay + 1 && lastDay >= 0)
        throw new RangeError(`step ${day} after ${lastDay}: days go one by one`);
      const status = interventions.agentStatus;
      const levels = interventions.areaLevel;
      if (status && status.length !== N)
        throw new RangeError(`agentStatus has ${status.length} entries, not ${N}`);
      if (levels && levels.length !== pop.areaStart.length - 1)
        throw new RangeError(`areaLevel has ${levels.length} entries, not ${pop.areaStart.length - 1}`);
      // Seeds made for this day before the step are already counted in newBy; others start at 0.
      const m = activeCount;
      activeEnd = m;
      stepping = true;
      visitsList.length = 0;
      metList.length = 0;
      let w = 0;
      for (let r = 0; r < m; r++) {
        const a = active[r] as number;
        const st = stateAt(a, day);
        const old = state[a] as number;
        if (st !== old) {
          counts[old] = (counts[old] as number) - 1;
          counts[st] = (counts[st] as number) + 1;
          state[a] = st;
        }
        if (st === STATE.recovered) continue;
        active[w++] = a;
        if (st >= STATE.presymptomatic && st <= STATE.symptomatic) transmit(a, st, day, status, levels);
      }
      stepping = false;
      active.copyWithin(w, m, activeEnd);
      activeCount = w + (activeEnd - m);
      lastDay = day;
      const rep = report(day);
      newBy.fill(0);
      dayStartEver = everCount - rep.newInfections;
      return rep;
    },
    infectedAgents: () => everInfected.subarray(0, everCount),
    newlyInfected: () => everInfected.subarray(dayStartEver, everCount),
    stateOn: stateAt,
    isSymptomatic: (a, day) => stateAt(a, day) === STATE.symptomatic,
    symptomOnsetDay(a) {
      const d0 = infectedDay[a] as number;
      return d0 < 0 || pre[a] === 0 ? -1 : d0 + (latent[a] as number) + (pre[a] as number);
    },
    severity: (a) =>
      (infectedDay[a] as number) < 0 ? null : (SEVERITY[severityCode[a] as number] as Severity),
    ct,
    measuredCt(a, day, salt = 0) {
      const c = ct(a, day);
      if (!Number.isFinite(c)) return c;
      return c + params.ctMeasurementSd * normInv(uniform3(kTest, a, day, 0x10000 + salt));
    },
    pcrPositiveProbability(a, day, poolSize = 1) {
      const c = ct(a, day);
      return poolPositiveProbability([c], poolSize);
    },
    antigenPositiveProbability(a, day) {
      const c = ct(a, day);
      const fp = 1 - params.antigenSpecificity;
      if (!Number.isFinite(c)) return fp;
      const s =
        params.antigenMaxSensitivity / (1 + Math.exp((c - params.antigenCt50) / params.antigenCtScale));
      return fp + (1 - fp) * s;
    },
    poolPositiveProbability,
    testUniform: (a, day, salt = 0) => uniform3(kTest, a, day, salt),
    venueVisits: () => visitsList.view(),
    contactsMet: () => metList.view(),
    visitsVenue(a, k, day, interventions = {}) {
      const status = interventions.agentStatus;
      if (status !== undefined && status[a] !== AGENT_STATUS.free) return false;
      if ((venue[a * 3 + k] as number) < 0) return false;
      const levels = interventions.areaLevel;
      const level = levels === undefined ? 0 : (levels[area[a] as number] as number);
      const p = (visitP[k] as number) * (zoneFactor[level * NSET + 5 + k] as number) * visitShare(a, day);
      return uniform3(kVisit, a, day, k) < p;
    },
    census() {
      const c = [0, 0, 0, 0, 0, 0];
      for (let i = 0; i < N; i++) {
        const k = stateAt(i, lastDay);
        c[k] = (c[k] as number) + 1;
      }
      const out = {} as Record<StateName, number>;
      for (let s = 0; s < 6; s++) out[STATE_NAMES[s] as StateName] = c[s] as number;
      return out;
    },
  };
  return model;
}

/** Settings in counter order (re-exported for callers). */
export type { Setting };
