/**
 * The model's behaviour on generated cities: determinism and common random numbers, conservation of agents,
 * what zones cut, and monotonicity of interventions on shared seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_STATUS,
  createModel,
  type DayReport,
  INFECTION_SOURCES,
  type InfectionSource,
  type Model,
  STATE,
  ZONE_LEVEL,
  zoneLevelCode,
} from './model.ts';
import { type Population, VENUE_KINDS } from './population.ts';
import { testCity } from './test-city.ts';

let city: Population;
let twoTowns: Population;

beforeAll(async () => {
  city = await testCity(30_000, 6);
  // Two communities with no contact between them: everyone works, studies and shops at home.
  twoTowns = await testCity(20_000, 2, { params: { workInOwnCommunityShare: 1 } });
});

const ISOLATED_TOWNS = { communityCityShare: 0 } as const;

function run(
  pop: Population,
  seed: number,
  days: number,
  decide?: (m: Model, day: number) => { agentStatus?: Uint8Array; areaLevel?: Uint8Array },
  params = {},
): { model: Model; reports: DayReport[] } {
  const model = createModel(pop, params, seed);
  model.seedInfections(10, 0);
  const reports: DayReport[] = [];
  for (let d = 0; d < days; d++) reports.push(model.step(d, decide?.(model, d)));
  return { model, reports };
}

/** Isolates (places) every symptomatic agent `delay` days after onset, and keeps them isolated. */
function isolateSymptomatic(delay: number) {
  let status: Uint8Array | undefined;
  return (m: Model, day: number) => {
    status ??= new Uint8Array(m.population.size);
    for (const a of m.infectedAgents()) {
      const onset = m.symptomOnsetDay(a);
      if (onset >= 0 && day >= onset + delay) status[a] = AGENT_STATUS.isolated;
    }
    return { agentStatus: status };
  };
}

function lockdownFrom(from: number, areas: 'all' | number[]) {
  return (m: Model, day: number) => {
    const levels = new Uint8Array(m.population.areaStart.length - 1);
    if (day >= from) {
      if (areas === 'all') levels.fill(ZONE_LEVEL.lockdown);
      else for (const a of areas) levels[a] = ZONE_LEVEL.lockdown;
    }
    return { areaLevel: levels };
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

describe('determinism and common random numbers', () => {
  it('the same seed gives identical counters; another seed does not', () => {
    const a = run(city, 5, 30).reports;
    const b = run(city, 5, 30).reports;
    const c = run(city, 6, 30).reports;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.at(-1)?.cumulativeInfections).toBeGreaterThan(100);
  });

  it('locking down one town leaves the other town’s epidemic draw for draw the same', () => {
    const base = run(twoTowns, 3, 40, undefined, ISOLATED_TOWNS).model;
    const locked = run(twoTowns, 3, 40, lockdownFrom(8, [1]), ISOLATED_TOWNS).model;
    const town0 = twoTowns.areaStart[1] as number;
    let sameInTown0 = 0;
    for (let a = 0; a < town0; a++) {
      expect(locked.infectedDay[a]).toBe(base.infectedDay[a]);
      expect(locked.infector[a]).toBe(base.infector[a]);
      if ((base.infectedDay[a] as number) >= 0) sameInTown0++;
    }
    expect(sameInTown0).toBeGreaterThan(50);
    // In the locked town fewer are infected, and whoever is infected in both runs has the same course.
    let both = 0;
    let baseTown1 = 0;
    let lockedTown1 = 0;
    for (let a = town0; a < twoTowns.size; a++) {
      const d1 = base.infectedDay[a] as number;
      const d2 = locked.infectedDay[a] as number;
      if (d1 >= 0) baseTown1++;
      if (d2 >= 0) lockedTown1++;
      if (d1 >= 0 && d2 >= 0) {
        both++;
        expect(locked.severity(a)).toBe(base.severity(a));
        expect(locked.symptomOnsetDay(a) - d2).toBe(base.symptomOnsetDay(a) - d1);
        expect(locked.ct(a, d2 + 4)).toBe(base.ct(a, d1 + 4));
      }
    }
    expect(both).toBeGreaterThan(10);
    expect(lockedTown1).toBeLessThan(baseTown1);
  });
});

describe('conservation', () => {
  it('every agent is in exactly one state every day: counts sum to N and match a full recount', () => {
    const model = createModel(city, {}, 9);
    model.seedInfections(10, 0);
    for (let d = 0; d < 50; d++) {
      const r = model.step(d, isolateSymptomatic(1)(model, d));
      const sum = Object.values(r.states).reduce((a, b) => a + b, 0);
      expect(sum).toBe(city.size);
      expect(model.census()).toEqual(r.states);
      expect(r.cumulativeInfections).toBe(city.size - r.states.susceptible);
      const bySeverity = Object.values(r.cumulativeBySeverity).reduce((a, b) => a + b, 0);
      expect(bySeverity).toBe(r.cumulativeInfections);
      expect(Object.values(r.symptomaticBySeverity).reduce((a, b) => a + b, 0)).toBe(r.states.symptomatic);
      if (d % 10 === 0) for (let a = 0; a < city.size; a++) expect(model.state[a]).toBe(model.stateOn(a, d));
    }
  });

  it('refuses days out of order and interventions of the wrong size', () => {
    const model = createModel(city, {}, 1);
    model.step(0);
    expect(() => model.step(2)).toThrow(/one by one/);
    expect(() => model.step(1, { agentStatus: new Uint8Array(3) })).toThrow(/agentStatus/);
    expect(() => model.seedInfections(1, 0)).toThrow(/already stepped/);
  });
});

describe('zones', () => {
  it('maps the zone names of both rule sets onto levels', () => {
    expect(zoneLevelCode('lockdown')).toBe(ZONE_LEVEL.lockdown);
    expect(zoneLevelCode('high')).toBe(ZONE_LEVEL.lockdown);
    expect(zoneLevelCode('medium')).toBe(ZONE_LEVEL.control);
    expect(zoneLevelCode('low')).toBe(ZONE_LEVEL.prevention);
    expect(zoneLevelCode(null)).toBe(ZONE_LEVEL.none);
  });

  it('a lockdown leaves only household transmission in the locked area', () => {
    const from = 10;
    const locked = [0, 2, 4];
    const { model, reports } = run(city, 4, 40, lockdownFrom(from, locked));
    let inLocked = 0;
    for (const t of model.infectedAgents()) {
      const day = model.infectedDay[t] as number;
      if (day < from) continue;
      const by = model.infector[t] as number;
      const tLocked = locked.includes(city.area[t] as number);
      const byLocked = by >= 0 && locked.includes(city.area[by] as number);
      if (tLocked || byLocked) {
        inLocked++;
        expect(model.infectedIn[t]).toBe(0); // household
        expect(city.household[t]).toBe(city.household[by]);
      }
    }
    expect(inLocked).toBeGreaterThan(0);
    // Everywhere locked: from the next day on, only households.
    const all = run(city, 4, 40, lockdownFrom(from, 'all')).reports;
    for (const r of all.slice(from)) expect(r.newInfections).toBe(r.newBySetting.household);
    expect(reports.length).toBe(40);
  });

  it('a control zone cuts every contact across its boundary and closes its schools', () => {
    const from = 5;
    const control = (m: Model, day: number) => {
      const levels = new Uint8Array(m.population.areaStart.length - 1);
      if (day >= from) levels[1] = ZONE_LEVEL.control;
      return { areaLevel: levels };
    };
    const { model } = run(city, 4, 40, control);
    let inside = 0;
    for (const t of model.infectedAgents()) {
      const by = model.infector[t] as number;
      if ((model.infectedDay[t] as number) < from || by < 0) continue;
      const ta = city.area[t] as number;
      const ba = city.area[by] as number;
      if (ta === 1 || ba === 1) {
        inside++;
        expect(ta).toBe(ba);
        expect(model.infectedIn[t]).not.toBe(3); // school
        expect(model.infectedIn[t]).not.toBe(7); // restaurant
      }
    }
    expect(inside).toBeGreaterThan(0);
  });
});

describe('monotonicity on shared seeds', () => {
  it('isolating earlier, and locking down, never gives more infections (medians over 9 seeds)', () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const days = 45;
    const final = (decide?: (m: Model, d: number) => { agentStatus?: Uint8Array; areaLevel?: Uint8Array }) =>
      seeds.map((s) => (run(city, s, days, decide).reports.at(-1) as DayReport).cumulativeInfections);
    const none = final();
    const late = final(isolateSymptomatic(3));
    const early = final(isolateSymptomatic(0));
    const lockdown = final(lockdownFrom(12, 'all'));
    expect(median(late)).toBeLessThanOrEqual(median(none));
    expect(median(early)).toBeLessThanOrEqual(median(late));
    expect(median(lockdown)).toBeLessThanOrEqual(median(none));
    // And the effects are real, not ties.
    expect(median(early)).toBeLessThan(median(none));
    expect(median(lockdown)).toBeLessThan(0.8 * median(none));
    // Per seed the lockdown (same draws until day 12) is never worse here.
    for (let i = 0; i < seeds.length; i++) expect(lockdown[i]).toBeLessThanOrEqual(none[i] as number);
  });

  it('holding people at home cuts everything but the household', () => {
    const { model, reports } = run(city, 2, 30, (m) => ({
      agentStatus: new Uint8Array(m.population.size).fill(AGENT_STATUS.home),
    }));
    for (const r of reports.slice(1)) expect(r.newInfections).toBe(r.newBySetting.household);
    expect(model.state.every((s) => s <= STATE.recovered)).toBe(true);
  });
});

describe('recorded contacts (the closed loop’s venue check-in and co-location feeds)', () => {
  // Symptomatic agents isolated two days after onset, a third of one community held at home, a control zone on
  // another from day 10: the record must follow the same decisions the transmission step takes.
  const decide = (m: Model, day: number) => {
    const { agentStatus } = isolateSymptomatic(2)(m, day);
    const lo = m.population.areaStart[1] as number;
    const hi = m.population.areaStart[2] as number;
    for (let a = lo; a < hi; a += 3)
      if (agentStatus[a] === AGENT_STATUS.free) agentStatus[a] = AGENT_STATUS.home;
    const areaLevel = new Uint8Array(m.population.areaStart.length - 1);
    if (day >= 10) areaLevel[3] = ZONE_LEVEL.control;
    return { agentStatus, areaLevel };
  };

  it('recording changes nothing in the epidemic, and is empty when off', () => {
    const off = run(city, 4, 30, decide).model;
    const on = createModel(city, {}, 4, { recordContacts: true });
    on.seedInfections(10, 0);
    for (let d = 0; d < 30; d++) on.step(d, decide(on, d));
    expect(Array.from(on.infectedDay)).toEqual(Array.from(off.infectedDay));
    expect(Array.from(on.infector)).toEqual(Array.from(off.infector));
    expect(off.venueVisits()).toHaveLength(0);
    expect(off.contactsMet()).toHaveLength(0);
  });

  it('lists every infectious visit and every contact met, as the transmission step drew them', () => {
    const model = createModel(city, {}, 4, { recordContacts: true });
    model.seedInfections(10, 0);
    const venueSetting = (k: number) => INFECTION_SOURCES.indexOf(VENUE_KINDS[k] as InfectionSource);
    const community = INFECTION_SOURCES.indexOf('community');
    let venueInfections = 0;
    let communityInfections = 0;
    let metNotInfected = 0;
    for (let d = 0; d < 30; d++) {
      const iv = decide(model, d);
      model.step(d, iv);
      const visits = model.venueVisits();
      const visited = new Set<string>();
      for (let i = 0; i < visits.length; i += 2) {
        const a = visits[i] as number;
        const v = visits[i + 1] as number;
        const k = city.venueKind[v] as number;
        expect(city.venue[a * 3 + k]).toBe(v);
        expect(model.stateOn(a, d)).toBeGreaterThanOrEqual(STATE.presymptomatic);
        expect(model.stateOn(a, d)).toBeLessThanOrEqual(STATE.symptomatic);
        expect(model.visitsVenue(a, k, d, iv)).toBe(true);
        visited.add(`${a}/${v}`);
      }
      // Each infectious agent the step passed over for a venue did not visit it.
      for (const a of model.infectedAgents()) {
        const st = model.stateOn(a, d);
        if (st < STATE.presymptomatic || st > STATE.symptomatic) continue;
        for (let k = 0; k < 3; k++) {
          const v = city.venue[a * 3 + k] as number;
          if (v >= 0 && !visited.has(`${a}/${v}`)) expect(model.visitsVenue(a, k, d, iv)).toBe(false);
        }
      }
      const met = model.contactsMet();
      const pairs = new Set<string>();
      for (let i = 0; i < met.length; i += 3) {
        const [a, t, s] = [met[i] as number, met[i + 1] as number, met[i + 2] as number];
        pairs.add(`${a}/${t}/${s}`);
        expect(iv.agentStatus[t]).toBe(AGENT_STATUS.free);
        if (s !== community) {
          const k = VENUE_KINDS.findIndex((_, j) => venueSetting(j) === s);
          expect(k).toBeGreaterThanOrEqual(0);
          expect(visited.has(`${a}/${city.venue[a * 3 + k]}`)).toBe(true);
          expect(city.venue[t * 3 + k]).toBe(city.venue[a * 3 + k]);
          expect(model.visitsVenue(t, k, d, iv)).toBe(true);
        } else expect(s).toBe(community);
        if (model.infector[t] !== a || model.infectedDay[t] !== d) metNotInfected++;
      }
      for (const t of model.newlyInfected()) {
        const s = model.infectedIn[t] as number;
        const a = model.infector[t] as number;
        if (s === community) communityInfections++;
        else if (s >= venueSetting(0) && s <= venueSetting(2)) venueInfections++;
        else continue;
        expect(pairs.has(`${a}/${t}/${s}`)).toBe(true);
      }
    }
    expect(venueInfections).toBeGreaterThan(10);
    expect(communityInfections).toBeGreaterThan(10);
    expect(metNotInfected).toBeGreaterThan(venueInfections);
  });
});
