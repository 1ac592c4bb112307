/**
 * # Fitting a scenario's unknowns (seeding day and size, the contact-rate scale)
 *
 * The closed loop through the platform is far too slow to fit on (a 200,000-person city takes minutes for two
 * weeks), so the fit runs the epidemic model alone with a **detection proxy**: a few hundred lines that do what
 * the loop's response does (src/twin/loop/driver.ts), on the same random draws where they can, without a
 * database. Pure: no I/O, no clock.
 *
 * ## The proxy (per scenario day d, in the loop's order)
 * 1. The model steps the day with each agent's status (free, held at home, isolated) and each community's zone
 *    level as decided the evening before.
 * 2. Round days (every `round_every_days` from `rounds_from_day`): each free resident comes with the response's
 *    `compliance` (LOCKDOWN_COMPLIANCE in a lockdown community), the same draw as the loop
 *    (`testUniform(agent, d, 11)`); swabs fill tubes of `pool_size` in registry order (one tube per household in
 *    a lockdown community); a tube is positive with the model's own `poolPositiveProbability` of its swabs' Cts,
 *    drawn as the loop draws it (`testUniform(first, d, 13 + swabs)`). A positive pool's members are held at home
 *    and re-tested by single tube the next day (the results module's follow-up); a positive single tube is a case.
 * 3. Every day, single tubes: yesterday's pool re-tests, quarantine tests due today (the edition's test days
 *    after arrival), and fever-clinic visits of a `fever_clinic_share` of those whose symptoms start today
 *    (`testUniform(agent, d, 12)`), positive with `pcrPositiveProbability`.
 * 4. A case found on day d is held at home on d + 1 and isolated from d + 2 (placed in the evening, carried the
 *    next day: the loop's earliest); its household members become close contacts: held on d + 1, in central
 *    quarantine from d + 2 for the edition's central days, then at home for its home days, then free.
 * 5. From `zones_from_day`, a community with a case found that day is locked down from the next day (zones.ts
 *    suggests lockdown for every community with a case in the last 24 h) and lifted after 14 days with no case.
 *
 * ## Where the proxy differs from the loop (the loop at 20,000 people × 20 days: see the scenario's note)
 * - Contacts: only household members are traced. The loop's tracing also finds contacts through venue
 *   check-ins and co-location, and the neighbours of a case's stairwell floors and its close contacts' contacts as
 *   secondary contacts (7 days central in the 8th edition); the proxy leaves them free.
 * - No capacity: every case and contact is isolated on the second day. The loop can leave people waiting at
 *   home (rooms, beds or vehicles short): there a case keeps infecting its household longer.
 * - Pools: consecutive compliant residents of a community in registry order; the loop spreads households over
 *   the community's sampling points (tube k of a point takes households k, k + P, …), so a proxy pool holds
 *   more members of one household (less dilution when several are positive).
 * - Zones: lifted on 14 days without a case alone (the loop also wants the last contact past 14 days and an
 *   all-negative round); grid- and building-level zones do not exist in either.
 * - Antigen self-tests (`antigen_every_days`) are not mirrored: the fit's scenario has none.
 * - No false positives (pcrSpecificity is 1 in params.ts) and no invalid tubes.
 *
 * ## The fit
 * Unknowns: the seed day (negative = a lead-in of that many days before the start, the model running alone with
 * no response; see scenario.ts `scenarioModel`), the seeding size (per million) and params.ts `contactScale`.
 * A coarse grid, then a finer one around the best point, on the same seeds for every point (common random
 * numbers, so differences between points are not seed noise). The loss of a point (smaller is better), per
 * seed and then averaged over the seeds:
 *   Σ over targets  (ln((1 + detected) / (1 + target)))²        — log error of each detected count,
 *   + FIRST_DETECTION_PENALTY when the first case is not found inside the window (1–4 March): found on a
 *     scenario day, or — during a lead-in, which has no response — the first day a fever clinic would have found
 *     one had it been open (ProxyRun.leadInFirstFound): a large hidden outbreak in February is penalised, since
 *     the real one was not found before March although the clinics were open,
 * plus, once per point, SCALE_PRIOR_WEIGHT × (log2 contactScale)²: a weak pull towards the literature rates,
 * which decides along the ridge the data cannot resolve (one count cannot tell a larger seeding from faster
 * growth; see the scenario's note). Person-tests and rounds by 14 March are reported as a check, not fitted:
 * the response fixes them.
 */
import { type Edition, TERMS } from '../domain/terms.ts';
import { LOCKDOWN_COMPLIANCE, type Response, scenarioModel } from './loop/scenario.ts';
import { AGENT_STATUS, type Model } from './model.ts';
import type { ModelParams } from './params.ts';
import type { Population } from './population.ts';

/** Salts of the loop's draws from the model's test stream (driver.ts SALT), shared so the draws agree. */
const SALT = { comply: 11, fever: 12, tube: 13 } as const;
/** Days without a case before the proxy lifts a lockdown (zones.ts: 14 days without a new case). */
const LIFT_AFTER_DAYS = 14;
const ROLE = { none: 0, poolHeld: 1, contact: 2, case: 3 } as const;
const EV = { isolate: 1, contactHome: 2, contactFree: 3, quarantineTest: 4 } as const;

export interface ProxyOptions {
  population: Population;
  response: Response;
  /** scenario days to run (0 = the scenario's start) */
  days: number;
  seed: number;
  /** negative day: lead-in days before the start (scenario.ts scenarioModel) */
  seeding: { day: number; infections: number };
  params?: Partial<ModelParams>;
  /** stop early once this share of the population has been infected (a hopeless point of a fit) */
  stopAtInfectedShare?: number;
}

export interface ProxyDay {
  day: number;
  /** true infections: cumulative (lead-in included) and new today */
  trueTotal: number;
  trueNew: number;
  /** cases found today (as the loop's `detected`), of them free in the community at dawn, and cumulative */
  detected: number;
  detectedCommunity: number;
  detectedTotal: number;
  /** people swabbed today (round + single tubes), tubes tested, whether a round ran */
  personTests: number;
  tubes: number;
  round: boolean;
  /** at the end of the day: isolated (cases and contacts in sites), held at home, communities in lockdown */
  isolated: number;
  held: number;
  lockdownAreas: number;
}

export interface ProxyRun {
  days: ProxyDay[];
  model: Model;
  /** true when the run was stopped at `stopAtInfectedShare` */
  stopped: boolean;
  /**
   * the first lead-in day (negative) a fever clinic would have found a case had it been open: a symptomatic
   * agent whose symptoms started then, with the same draws as on scenario days; null if none. The lead-in has no
   * response (nobody is found, nothing changes), so this is only a check: "the first cases were found in the
   * first days of March" means none was found before, though fever clinics were open.
   */
  leadInFirstFound: number | null;
}

/** The model with the detection proxy for `days` scenario days. */
export function runProxy(o: ProxyOptions): ProxyRun {
  const { population: pop, response: r } = o;
  const model = scenarioModel(pop, o.params ?? {}, o.seed, o.seeding);
  let leadInFirstFound: number | null = null;
  for (const a of model.infectedAgents()) {
    if ((model.severityCode[a] as number) === 0) continue;
    const onset = model.symptomOnsetDay(a);
    if (onset >= 0 || onset < o.seeding.day) continue;
    if (model.testUniform(a, onset, SALT.fever) >= o.response.fever_clinic_share) continue;
    if (model.testUniform(a, onset, SALT.tube + 1) >= model.pcrPositiveProbability(a, onset, 1)) continue;
    if (leadInFirstFound === null || onset < leadInFirstFound) leadInFirstFound = onset;
  }
  const N = pop.size;
  const areas = pop.areaStart.length - 1;
  const term = TERMS[r.edition as Edition].close;
  const status = new Uint8Array(N);
  const dawn = new Uint8Array(N);
  const role = new Uint8Array(N);
  const areaLevel = new Uint8Array(areas);
  const lastCase = new Int32Array(areas).fill(-1);
  const events = new Map<number, number[]>();
  const at = (day: number, agent: number, ev: number) => {
    let list = events.get(day);
    if (!list) {
      list = [];
      events.set(day, list);
    }
    list.push(agent * 8 + ev);
  };
  let retest: number[] = [];
  let detectedTotal = 0;
  const out: ProxyDay[] = [];
  const stopAt = (o.stopAtInfectedShare ?? 1) * N;
  let stopped = false;

  for (let d = 0; d < o.days; d++) {
    dawn.set(status);
    const rep = model.step(d, { agentStatus: status, areaLevel });
    const found: number[] = [];
    let personTests = 0;
    let tubes = 0;
    const nextRetest: number[] = [];
    const isRound =
      r.round_every_days > 0 && d >= r.rounds_from_day && (d - r.rounds_from_day) % r.round_every_days === 0;

    // The city-wide round: pools by community in registry order.
    if (isRound) {
      const cts: number[] = [];
      const members: number[] = [];
      const closeTube = (nominal: number) => {
        if (members.length === 0) return;
        tubes++;
        let any = false;
        for (const a of members) if ((model.infectedDay[a] as number) >= 0) any = true;
        let p = 1 - model.params.pcrSpecificity;
        if (any) {
          cts.length = 0;
          for (const a of members) cts.push(model.ct(a, d));
          p = model.poolPositiveProbability(cts, nominal);
        }
        const first = members[0] as number;
        if (p > 0 && model.testUniform(first, d, SALT.tube + members.length) < p) {
          if (nominal === 1) found.push(first);
          else
            for (const a of members) {
              if (role[a] === ROLE.none) {
                role[a] = ROLE.poolHeld;
                status[a] = AGENT_STATUS.home;
              }
              nextRetest.push(a);
            }
        }
        members.length = 0;
      };
      for (let c = 0; c < areas; c++) {
        const inLockdown = (areaLevel[c] as number) >= 3;
        const comply = inLockdown ? LOCKDOWN_COMPLIANCE : r.compliance;
        const size = inLockdown ? Number.POSITIVE_INFINITY : Math.max(1, r.pool_size);
        let h = -1;
        for (let a = pop.areaStart[c] as number; a < (pop.areaStart[c + 1] as number); a++) {
          if (dawn[a] !== AGENT_STATUS.free) continue;
          if (model.testUniform(a, d, SALT.comply) >= comply) continue;
          personTests++;
          if (inLockdown && pop.household[a] !== h) closeTube(members.length);
          h = pop.household[a] as number;
          members.push(a);
          if (members.length >= size) closeTube(size);
        }
        closeTube(inLockdown ? members.length : size);
      }
    }

    // Single tubes: yesterday's pool re-tests, quarantine tests due today, fever clinics.
    const tested = new Set<number>();
    const single = (a: number) => {
      if (tested.has(a)) return;
      tested.add(a);
      personTests++;
      tubes++;
      if (model.testUniform(a, d, SALT.tube + 1) < model.pcrPositiveProbability(a, d, 1)) found.push(a);
      else if (role[a] === ROLE.poolHeld) {
        role[a] = ROLE.none;
        status[a] = AGENT_STATUS.free;
      }
    };
    for (const a of retest) if (role[a] === ROLE.poolHeld) single(a);
    const evs = events.get(d) ?? [];
    for (const e of evs) if (e % 8 === EV.quarantineTest && role[e >> 3] === ROLE.contact) single(e >> 3);
    for (const a of model.infectedAgents()) {
      if (dawn[a] === AGENT_STATUS.isolated || model.symptomOnsetDay(a) !== d || tested.has(a)) continue;
      if (model.testUniform(a, d, SALT.fever) >= r.fever_clinic_share) continue;
      single(a);
    }
    retest = nextRetest;

    // Cases: held tomorrow, isolated the day after; their households traced as close contacts.
    let detected = 0;
    let community = 0;
    for (const a of found) {
      if (role[a] === ROLE.case) continue;
      role[a] = ROLE.case;
      detected++;
      if (dawn[a] === AGENT_STATUS.free) community++;
      if (status[a] !== AGENT_STATUS.isolated) status[a] = AGENT_STATUS.home;
      at(d + 2, a, EV.isolate);
      const c = pop.area[a] as number;
      if (d >= r.zones_from_day) {
        lastCase[c] = d;
        if ((areaLevel[c] as number) < 3) areaLevel[c] = 3;
      }
      const hh = pop.household[a] as number;
      for (let m = pop.householdStart[hh] as number; m < (pop.householdStart[hh + 1] as number); m++) {
        if ((role[m] as number) >= ROLE.contact) continue;
        role[m] = ROLE.contact;
        if (status[m] === AGENT_STATUS.free) status[m] = AGENT_STATUS.home;
        at(d + 2, m, EV.isolate);
        at(d + 2 + term.centralDays, m, EV.contactHome);
        at(d + 2 + term.centralDays + term.homeDays, m, EV.contactFree);
        for (const t of term.testDays) at(d + 1 + t, m, EV.quarantineTest);
      }
    }
    detectedTotal += detected;
    events.delete(d);
    // Tomorrow's scheduled changes take effect tonight (the model reads them at tomorrow's dawn).
    for (const e of events.get(d + 1) ?? []) {
      const a = e >> 3;
      const k = e % 8;
      if (k === EV.isolate && (role[a] as number) >= ROLE.contact) status[a] = AGENT_STATUS.isolated;
      else if (k === EV.contactHome && role[a] === ROLE.contact) status[a] = AGENT_STATUS.home;
      else if (k === EV.contactFree && role[a] === ROLE.contact) {
        role[a] = ROLE.none;
        status[a] = AGENT_STATUS.free;
      }
    }
    let locked = 0;
    for (let c = 0; c < areas; c++) {
      if ((areaLevel[c] as number) >= 3 && d - (lastCase[c] as number) >= LIFT_AFTER_DAYS) areaLevel[c] = 0;
      if ((areaLevel[c] as number) >= 3) locked++;
    }
    let isolated = 0;
    let held = 0;
    for (let a = 0; a < N; a++) {
      const s = status[a] as number;
      if (s === AGENT_STATUS.isolated) isolated++;
      else if (s === AGENT_STATUS.home) held++;
    }
    out.push({
      day: d,
      trueTotal: rep.cumulativeInfections,
      trueNew: rep.newInfections,
      detected,
      detectedCommunity: community,
      detectedTotal,
      personTests,
      tubes,
      round: isRound,
      isolated,
      held,
      lockdownAreas: locked,
    });
    if (rep.cumulativeInfections >= stopAt) {
      stopped = true;
      break;
    }
  }
  return { days: out, model, stopped, leadInFirstFound };
}

// ------------------------------------------------------------------------------------------------- the fit

export interface FitTargets {
  /** residents of the real city the counts are from (scaled to the fit's population) */
  realPeople: number;
  /** cases found, real-city counts: the mean over `days` (scenario days) of the detected count */
  detected: readonly { days: readonly number[]; count: number }[];
  /** the first case is found on a scenario day in [from, to] */
  firstDetection: { from: number; to: number };
  /** checks, not fitted: person-tests and rounds by the end of `day` (real-city counts) */
  personTests?: { day: number; count: number };
  rounds?: { day: number; count: number };
}

/**
 * Jilin city, DOMAIN.md: first local cases found in the first days of March (1–4 March: days 0–3); 3,580 new
 * infections found on 14 March (day 13); about 7 rounds and 15.9 million person-tests by 14 March.
 *
 * The 14 March count is compared with the mean of 13 and 14 March (days 12–13): with a round every other day,
 * the loop (and the proxy) find a round's cases the day after it, when the positive pools' members are
 * re-tested, so their daily counts alternate between round-result days and the rest; which phase 14 March falls
 * on is an artefact of the scenario's round days, not something the real report carries (its days were 24 h of
 * confirmations from rounds, re-tests, quarantine and clinics together). The two-day mean is the daily rate.
 */
export const JILIN_CITY_TARGETS: FitTargets = {
  realPeople: 3_620_000,
  detected: [{ days: [12, 13], count: 3580 }],
  firstDetection: { from: 0, to: 3 },
  personTests: { day: 13, count: 15_900_000 },
  rounds: { day: 13, count: 7 },
};

/** Loss added when the first case is found outside the window (as much as missing the count by a factor e). */
export const FIRST_DETECTION_PENALTY = 1;
/** Weight of the pull of the contact scale towards 1: × (log2 scale)². */
export const SCALE_PRIOR_WEIGHT = 0.05;

export interface FitPoint {
  leadInDays: number;
  seedPerMillion: number;
  contactScale: number;
}

export interface PointResult extends FitPoint {
  loss: number;
  /** medians over seeds */
  detected: number[];
  firstDetectionDay: number | null;
  /** share of seeds whose first case is found inside the window */
  firstInWindow: number;
  trueInfections: number;
  personTests: number | null;
  rounds: number | null;
}

export interface FitSpace {
  leadInDays: readonly number[];
  seedPerMillion: readonly number[];
  contactScale: readonly number[];
}

export interface FitOptions {
  population: Population;
  response: Response;
  targets: FitTargets;
  /** epidemic seeds per point (1..seeds, the same for every point) */
  seeds: number;
  space: FitSpace;
  /** refine around the best coarse point (default true) */
  refine?: boolean;
  params?: Partial<ModelParams>;
  onProgress?: (p: { stage: 'coarse' | 'refine'; done: number; total: number; best: PointResult }) => void;
}

export interface FitResult {
  best: PointResult;
  /** every point evaluated, best first */
  points: PointResult[];
  /** points within NEAR_LOSS of the best: what the data cannot tell apart */
  near: PointResult[];
  people: number;
  seeds: number;
}

/** Points within this loss of the best are reported as indistinguishable (≈ a 25 % error on one count). */
export const NEAR_LOSS = 0.05;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = (s.length - 1) / 2;
  return ((s[Math.floor(m)] as number) + (s[Math.ceil(m)] as number)) / 2;
}

function horizon(t: FitTargets): number {
  let last = t.firstDetection.to;
  for (const x of t.detected) for (const d of x.days) last = Math.max(last, d);
  if (t.personTests) last = Math.max(last, t.personTests.day);
  if (t.rounds) last = Math.max(last, t.rounds.day);
  return last + 1;
}

export function seedsFor(seedPerMillion: number, people: number): number {
  return Math.max(1, Math.round((seedPerMillion * people) / 1e6));
}

/** The loss of one point over `seeds` seeds, and what the model gives there (medians). */
export function evaluatePoint(
  point: FitPoint,
  o: Pick<FitOptions, 'population' | 'response' | 'targets' | 'seeds' | 'params'>,
): PointResult {
  const N = o.population.size;
  const scale = N / o.targets.realPeople;
  const days = horizon(o.targets);
  const perSeed: number[] = [];
  const detectedBy: number[][] = o.targets.detected.map(() => []);
  const firsts: number[] = [];
  const truth: number[] = [];
  const tests: number[] = [];
  const rounds: number[] = [];
  let inWindow = 0;
  for (let seed = 1; seed <= o.seeds; seed++) {
    const run = runProxy({
      population: o.population,
      response: o.response,
      days,
      seed,
      seeding: { day: -point.leadInDays, infections: seedsFor(point.seedPerMillion, N) },
      params: { ...o.params, contactScale: point.contactScale },
      stopAtInfectedShare: 0.3,
    });
    let loss = 0;
    for (const [i, t] of o.targets.detected.entries()) {
      // A run stopped early (the city overrun) counts what it had found by then: far above any target.
      const vals = t.days.map((d) => run.days[d]?.detected ?? N);
      const v = vals.reduce((a, b) => a + b, 0) / vals.length;
      (detectedBy[i] as number[]).push(v);
      loss += Math.log((1 + v) / (1 + t.count * scale)) ** 2;
    }
    const found = run.leadInFirstFound ?? run.days.find((x) => x.detected > 0)?.day ?? null;
    firsts.push(found ?? Number.POSITIVE_INFINITY);
    const ok =
      found !== null && found >= o.targets.firstDetection.from && found <= o.targets.firstDetection.to;
    if (ok) inWindow++;
    else loss += FIRST_DETECTION_PENALTY;
    perSeed.push(loss);
    truth.push(run.days[days - 1]?.trueTotal ?? N);
    if (o.targets.personTests) {
      const end = o.targets.personTests.day;
      tests.push(run.days.slice(0, end + 1).reduce((a, x) => a + x.personTests, 0));
    }
    if (o.targets.rounds) {
      const end = o.targets.rounds.day;
      rounds.push(run.days.slice(0, end + 1).filter((x) => x.round).length);
    }
  }
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  const firstMedian = median(firsts);
  return {
    ...point,
    loss: mean + SCALE_PRIOR_WEIGHT * Math.log2(point.contactScale) ** 2,
    detected: detectedBy.map(median),
    firstDetectionDay: Number.isFinite(firstMedian) ? firstMedian : null,
    firstInWindow: inWindow / o.seeds,
    trueInfections: median(truth),
    personTests: tests.length > 0 ? median(tests) : null,
    rounds: rounds.length > 0 ? median(rounds) : null,
  };
}

function grid(space: FitSpace): FitPoint[] {
  const out: FitPoint[] = [];
  for (const leadInDays of space.leadInDays)
    for (const seedPerMillion of space.seedPerMillion)
      for (const contactScale of space.contactScale) out.push({ leadInDays, seedPerMillion, contactScale });
  return out;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The finer grid around a point: lead-in ± 1 and 2 days, seeding × 0.7…1.4, contact scale × 0.9…1.1. */
export function refineSpace(p: FitPoint): FitSpace {
  return {
    leadInDays: [...new Set([-2, -1, 0, 1, 2].map((x) => Math.max(0, p.leadInDays + x)))],
    seedPerMillion: [0.7, 0.85, 1, 1.2, 1.4].map((f) => round3(p.seedPerMillion * f)),
    contactScale: [0.9, 0.95, 1, 1.05, 1.1].map((f) => round3(p.contactScale * f)),
  };
}

/** A coarse grid, then (unless `refine` is false) a finer one around its best point. */
export function fitScenario(o: FitOptions): FitResult {
  const seen = new Map<string, PointResult>();
  const key = (p: FitPoint) => `${p.leadInDays}|${p.seedPerMillion}|${p.contactScale}`;
  let best: PointResult | undefined;
  const stage = (name: 'coarse' | 'refine', pts: FitPoint[]) => {
    const todo = pts.filter((p) => !seen.has(key(p)));
    for (const [i, p] of todo.entries()) {
      const r = evaluatePoint(p, o);
      seen.set(key(p), r);
      if (!best || r.loss < best.loss) best = r;
      o.onProgress?.({ stage: name, done: i + 1, total: todo.length, best });
    }
  };
  stage('coarse', grid(o.space));
  if (o.refine !== false && best) stage('refine', grid(refineSpace(best)));
  const points = [...seen.values()].sort((a, b) => a.loss - b.loss);
  const top = points[0] as PointResult;
  return {
    best: top,
    points,
    near: points.filter((p) => p.loss <= top.loss + NEAR_LOSS),
    people: o.population.size,
    seeds: o.seeds,
  };
}

/** The default coarse grid of the Jilin fit. */
export const JILIN_SPACE: FitSpace = {
  leadInDays: [0, 2, 4, 6, 8],
  seedPerMillion: [10, 30, 100, 300, 1000],
  contactScale: [1, 1.25, 1.5, 1.75, 2, 2.5, 3],
};

/** Per-day medians over seeds of a forward run (the fitted scenario to its end). */
export function forwardMedians(runs: readonly ProxyRun[]): ProxyDay[] {
  const days = Math.min(...runs.map((r) => r.days.length));
  const out: ProxyDay[] = [];
  for (let d = 0; d < days; d++) {
    const rows = runs.map((r) => r.days[d] as ProxyDay);
    const m = (f: (x: ProxyDay) => number) => median(rows.map(f));
    out.push({
      day: d,
      trueTotal: m((x) => x.trueTotal),
      trueNew: m((x) => x.trueNew),
      detected: m((x) => x.detected),
      detectedCommunity: m((x) => x.detectedCommunity),
      detectedTotal: m((x) => x.detectedTotal),
      personTests: m((x) => x.personTests),
      tubes: m((x) => x.tubes),
      round: rows[0]?.round ?? false,
      isolated: m((x) => x.isolated),
      held: m((x) => x.held),
      lockdownAreas: m((x) => x.lockdownAreas),
    });
  }
  return out;
}
