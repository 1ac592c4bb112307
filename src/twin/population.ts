/**
 * The twin's population: the registry's people read once into typed arrays (struct of arrays).
 *
 * Agents are numbered in the generator's order — community by community, building by building, household by
 * household — so a household's members, a stairwell's floors and a community's residents are contiguous ranges.
 * Memberships the registry does not hold (who works where, who goes to which school, class or kindergarten,
 * which market, supermarket and restaurant someone uses) are assigned here with a seeded sfc32, once.
 *
 * Groups (workplaces, school classes, kindergarten classes) and venues keep their members in CSR form
 * (start offsets + member list) so a contact is drawn with two array reads.
 */
import { Prng } from '../domain/prng.ts';
import type { CityBatch } from '../modules/registry/city-generator.ts';
import { type ModelParams, makeParams } from './params.ts';

export const GROUP_KIND = { workplace: 0, school: 1, kindergarten: 2 } as const;
/** Venue kinds people visit, in the order of the per-agent venue columns. */
export const VENUE_KINDS = ['market', 'supermarket', 'restaurant'] as const;

export interface Population {
  size: number;
  /** age in whole years */
  age: Uint8Array;
  /** household index; members of one household are contiguous: [householdStart[h], householdStart[h + 1]) */
  household: Int32Array;
  householdStart: Int32Array;
  /** community (area) index; residents of one area are contiguous: [areaStart[a], areaStart[a + 1]) */
  area: Int32Array;
  areaStart: Int32Array;
  /** GB/T 2260 code (12 digits) of each area */
  areaCodes: readonly string[];
  /** stairwell-floor group (building, unit, floor); groups contiguous; consecutive floors of one stairwell are consecutive groups */
  floorGroup: Int32Array;
  floorGroupStart: Int32Array;
  /** stairwell (building, unit) of each floor group */
  floorGroupStair: Int32Array;
  /** workplace, school class or kindergarten class of each agent, −1 for none */
  group: Int32Array;
  groupKind: Uint8Array;
  /** home area of each group (the workplace's or school's community) */
  groupArea: Int32Array;
  groupStart: Int32Array;
  groupMembers: Int32Array;
  /** venue of each kind (VENUE_KINDS) used by each agent: venue[agent * 3 + kind], −1 for none */
  venue: Int32Array;
  venueKind: Uint8Array;
  venueStart: Int32Array;
  venueMembers: Int32Array;
  /** registry person id of each agent (the generator's ids), for the closed loop */
  personId: Int32Array;
}

/** One household as the builder takes it. */
export interface HouseholdSpec {
  building: number;
  unit: number;
  floor: number;
  ages: readonly number[];
  personIds?: readonly number[];
}

export interface CommunitySpec {
  code: string;
  households: readonly HouseholdSpec[];
  /** venues in the community by kind (workplace, school, kindergarten, market, supermarket, restaurant) */
  venues: readonly { kind: string }[];
}

type BuildParams = Pick<
  ModelParams,
  | 'employmentRate'
  | 'schoolEnrolment'
  | 'kindergartenEnrolment'
  | 'workInOwnCommunityShare'
  | 'schoolClassSize'
  | 'kindergartenClassSize'
>;

function csr(owner: Int32Array, stride: number, groups: number): { start: Int32Array; members: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < owner.length; i++) {
    const g = owner[i] as number;
    if (g >= 0) start[g + 1] = (start[g + 1] as number) + 1;
  }
  for (let g = 0; g < groups; g++) start[g + 1] = (start[g + 1] as number) + (start[g] as number);
  const fill = start.slice(0, groups);
  const members = new Int32Array(start[groups] as number);
  for (let i = 0; i < owner.length; i++) {
    const g = owner[i] as number;
    if (g >= 0) members[(fill[g] as number)++] = Math.floor(i / stride);
  }
  return { start, members };
}

/** Builds the population from communities (households in registry order, venues by kind). */
export function buildPopulation(
  communities: Iterable<CommunitySpec>,
  options: { seed?: number; params?: Partial<ModelParams> } = {},
): Population {
  const bp: BuildParams = makeParams(options.params);
  const rng = new Prng(options.seed ?? 20220301);
  const ages: number[] = [];
  const pids: number[] = [];
  const hh: number[] = [];
  const hhStart: number[] = [0];
  const areaOf: number[] = [];
  const areaStart: number[] = [0];
  const areaCodes: string[] = [];
  const fg: number[] = [];
  const fgStart: number[] = [0];
  const fgStair: number[] = [];
  // venues by area and kind
  const areaVenues: Map<string, number[]>[] = [];
  let venueCount = 0;
  const venueKindList: number[] = [];
  const venueAreaList: number[] = [];
  let stairs = -1;
  let lastKey = '';
  let lastStair = '';
  for (const c of communities) {
    const a = areaCodes.length;
    areaCodes.push(c.code);
    const byKind = new Map<string, number[]>();
    for (const v of c.venues) {
      const list = byKind.get(v.kind) ?? [];
      list.push(venueCount++);
      venueKindList.push(['workplace', 'school', 'kindergarten', ...VENUE_KINDS].indexOf(v.kind));
      venueAreaList.push(a);
      byKind.set(v.kind, list);
    }
    areaVenues.push(byKind);
    for (const h of c.households) {
      const stairKey = `${a}:${h.building}:${h.unit}`;
      const key = `${stairKey}:${h.floor}`;
      if (stairKey !== lastStair) {
        stairs++;
        lastStair = stairKey;
      }
      if (key !== lastKey) {
        if (fgStair.length > 0) fgStart.push(ages.length);
        fgStair.push(stairs);
        lastKey = key;
      }
      const hIndex = hhStart.length - 1;
      for (let m = 0; m < h.ages.length; m++) {
        ages.push(h.ages[m] as number);
        pids.push(h.personIds?.[m] ?? ages.length);
        hh.push(hIndex);
        areaOf.push(a);
        fg.push(fgStair.length - 1);
      }
      hhStart.push(ages.length);
    }
    areaStart.push(ages.length);
    lastKey = '';
    lastStair = '';
  }
  fgStart.push(ages.length);
  const n = ages.length;

  // Institutions: workplaces directly; schools and kindergartens cut into classes by age.
  const nearest = (kind: string, a: number): number[] | undefined => {
    for (let d = 0; d < areaVenues.length; d++) {
      const lo = areaVenues[a - d]?.get(kind);
      if (lo?.length) return lo;
      const hi = areaVenues[a + d]?.get(kind);
      if (hi?.length) return hi;
    }
    return undefined;
  };
  const allWork: number[] = [];
  for (const m of areaVenues) allWork.push(...(m.get('workplace') ?? []));
  const inst = new Int32Array(n).fill(-1); // venue index of the agent's institution
  const venue = new Int32Array(n * 3).fill(-1);
  for (let i = 0; i < n; i++) {
    const age = ages[i] as number;
    const a = areaOf[i] as number;
    const here = areaVenues[a] as Map<string, number[]>;
    if (age >= 3 && age <= 5) {
      if (rng.bool(bp.kindergartenEnrolment)) {
        const list = nearest('kindergarten', a);
        if (list) inst[i] = rng.pick(list);
      }
    } else if (age >= 6 && age <= 17) {
      if (rng.bool(bp.schoolEnrolment)) {
        const list = nearest('school', a);
        if (list) inst[i] = rng.pick(list);
      }
    } else if (age >= 18 && age <= 59 && rng.bool(bp.employmentRate)) {
      const local = here.get('workplace');
      if (local?.length && rng.bool(bp.workInOwnCommunityShare)) inst[i] = rng.pick(local);
      else if (allWork.length) inst[i] = rng.pick(allWork);
    }
    for (let k = 0; k < VENUE_KINDS.length; k++) {
      const list = here.get(VENUE_KINDS[k] as string);
      if (list?.length) venue[i * 3 + k] = rng.pick(list);
    }
  }
  // Groups: one per workplace; classes per (school, age).
  const groupOfWork = new Int32Array(venueCount).fill(-1);
  const groupKind: number[] = [];
  const groupArea: number[] = [];
  for (let v = 0; v < venueCount; v++) {
    if (venueKindList[v] === GROUP_KIND.workplace) {
      groupOfWork[v] = groupKind.length;
      groupKind.push(GROUP_KIND.workplace);
      groupArea.push(venueAreaList[v] as number);
    }
  }
  const group = new Int32Array(n).fill(-1);
  const classFill = new Map<number, { group: number; filled: number }>();
  for (let i = 0; i < n; i++) {
    const v = inst[i] as number;
    if (v < 0) continue;
    const kind = venueKindList[v] as number;
    if (kind === GROUP_KIND.workplace) {
      group[i] = groupOfWork[v] as number;
      continue;
    }
    const size = kind === GROUP_KIND.school ? bp.schoolClassSize : bp.kindergartenClassSize;
    const key = v * 32 + (ages[i] as number);
    let c = classFill.get(key);
    if (!c || c.filled >= size) {
      c = { group: groupKind.length, filled: 0 };
      groupKind.push(kind);
      groupArea.push(venueAreaList[v] as number);
      classFill.set(key, c);
    }
    c.filled++;
    group[i] = c.group;
  }
  const groups = csr(group, 1, groupKind.length);
  // Venues people visit: renumber the visit venues compactly.
  const visitIndex = new Int32Array(venueCount).fill(-1);
  const venueKind: number[] = [];
  for (let v = 0; v < venueCount; v++) {
    const k = (venueKindList[v] as number) - 3;
    if (k >= 0) {
      visitIndex[v] = venueKind.length;
      venueKind.push(k);
    }
  }
  for (let j = 0; j < venue.length; j++) {
    const v = venue[j] as number;
    if (v >= 0) venue[j] = visitIndex[v] as number;
  }
  const venues = csr(venue, 3, venueKind.length);
  return {
    size: n,
    age: Uint8Array.from(ages, (x) => Math.min(255, Math.max(0, x))),
    household: Int32Array.from(hh),
    householdStart: Int32Array.from(hhStart),
    area: Int32Array.from(areaOf),
    areaStart: Int32Array.from(areaStart),
    areaCodes,
    floorGroup: Int32Array.from(fg),
    floorGroupStart: Int32Array.from(fgStart),
    floorGroupStair: Int32Array.from(fgStair),
    group,
    groupKind: Uint8Array.from(groupKind),
    groupArea: Int32Array.from(groupArea),
    groupStart: groups.start,
    groupMembers: groups.members,
    venue,
    venueKind: Uint8Array.from(venueKind),
    venueStart: venues.start,
    venueMembers: venues.members,
    personId: Int32Array.from(pids),
  };
}

function ageOn(birth: string, asOf: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [ay, am, ad] = asOf.split('-').map(Number) as [number, number, number];
  return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
}

/**
 * The generator's batches (src/modules/registry/city-generator.ts) as communities: households with their
 * building, unit and floor, members' ages on `asOf`, and the community's venues.
 */
export function* communitiesFromCity(batches: Iterable<CityBatch>, asOf: string): Generator<CommunitySpec> {
  for (const b of batches) {
    const members = new Map<number, { ages: number[]; ids: number[] }>();
    for (const p of b.persons) {
      const hid = p[6] as number;
      let m = members.get(hid);
      if (!m) {
        m = { ages: [], ids: [] };
        members.set(hid, m);
      }
      m.ages.push(ageOn(p[4] as string, asOf));
      m.ids.push(p[0] as number);
    }
    const households: HouseholdSpec[] = [];
    for (const h of b.households) {
      const m = members.get(h[0] as number);
      if (!m) continue;
      households.push({
        building: h[2] as number,
        unit: (h[3] as number | null) ?? 0,
        floor: h[4] as number,
        ages: m.ages,
        personIds: m.ids,
      });
    }
    const code = String(b.areas[0]?.[1] ?? b.households[0]?.[1] ?? '').slice(0, 12);
    yield { code, households, venues: b.venues.map((v) => ({ kind: v[1] as string })) };
  }
}

/** Everyone alone in one area with no building, institution or venue: a homogeneous population for tests. */
export function homogeneousPopulation(n: number, age = 35): Population {
  const idx = Int32Array.from({ length: n + 1 }, (_, i) => i);
  return {
    size: n,
    age: new Uint8Array(n).fill(age),
    household: idx.slice(0, n),
    householdStart: idx,
    area: new Int32Array(n),
    areaStart: Int32Array.of(0, n),
    areaCodes: ['000000000000'],
    floorGroup: idx.slice(0, n),
    floorGroupStart: idx,
    floorGroupStair: idx.slice(0, n),
    group: new Int32Array(n).fill(-1),
    groupKind: new Uint8Array(0),
    groupArea: new Int32Array(0),
    groupStart: Int32Array.of(0),
    groupMembers: new Int32Array(0),
    venue: new Int32Array(n * 3).fill(-1),
    venueKind: new Uint8Array(0),
    venueStart: Int32Array.of(0),
    venueMembers: new Int32Array(0),
    personId: idx.slice(1),
  };
}

/**
 * `times` copies of a population side by side (copy c's areas get a suffix `#c`): a large synthetic city from a
 * generated one, for benchmarks. Copies share nothing but random city-wide community contacts.
 */
export function replicatePopulation(pop: Population, times: number): Population {
  const n = pop.size;
  const tile = <T extends Int32Array | Uint8Array>(
    src: T,
    make: (len: number) => T,
    offset: (c: number) => number,
    skipNegative = true,
    dropLast = false,
  ): T => {
    const len = dropLast ? src.length - 1 : src.length;
    const out = make(len * times + (dropLast ? 1 : 0));
    for (let c = 0; c < times; c++) {
      const off = offset(c);
      for (let i = 0; i < len; i++) {
        const v = src[i] as number;
        out[c * len + i] = skipNegative && v < 0 ? v : v + off;
      }
    }
    if (dropLast) out[len * times] = (src[len] as number) + offset(times);
    return out;
  };
  const i32 = (len: number) => new Int32Array(len);
  const u8 = (len: number) => new Uint8Array(len);
  const H = pop.householdStart.length - 1;
  const A = pop.areaStart.length - 1;
  const G = pop.floorGroupStart.length - 1;
  const S = (pop.floorGroupStair[G - 1] ?? -1) + 1;
  const W = pop.groupKind.length;
  const V = pop.venueKind.length;
  const areaCodes: string[] = [];
  for (let c = 0; c < times; c++)
    for (const code of pop.areaCodes) areaCodes.push(c === 0 ? code : `${code}#${c}`);
  return {
    size: n * times,
    age: tile(pop.age, u8, () => 0),
    household: tile(pop.household, i32, (c) => c * H),
    householdStart: tile(pop.householdStart, i32, (c) => c * n, true, true),
    area: tile(pop.area, i32, (c) => c * A),
    areaStart: tile(pop.areaStart, i32, (c) => c * n, true, true),
    areaCodes,
    floorGroup: tile(pop.floorGroup, i32, (c) => c * G),
    floorGroupStart: tile(pop.floorGroupStart, i32, (c) => c * n, true, true),
    floorGroupStair: tile(pop.floorGroupStair, i32, (c) => c * S),
    group: tile(pop.group, i32, (c) => c * W),
    groupKind: tile(pop.groupKind, u8, () => 0),
    groupArea: tile(pop.groupArea, i32, (c) => c * A),
    groupStart: tile(pop.groupStart, i32, (c) => c * pop.groupMembers.length, true, true),
    groupMembers: tile(pop.groupMembers, i32, (c) => c * n),
    venue: tile(pop.venue, i32, (c) => c * V),
    venueKind: tile(pop.venueKind, u8, () => 0),
    venueStart: tile(pop.venueStart, i32, (c) => c * pop.venueMembers.length, true, true),
    venueMembers: tile(pop.venueMembers, i32, (c) => c * n),
    personId: tile(pop.personId, i32, (c) => c * n),
  };
}
