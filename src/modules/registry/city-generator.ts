/**
 * The demo-city generator: a deterministic (for a seed) population placed on the real communities of a city.
 *
 * Pure: no I/O. It yields batches of rows (arrays in the column order of ./columns.ts) community by community,
 * so a caller can stream a million people into the database without holding them all.
 *
 * Shape of the population (north-east China, 2020 census figures rounded):
 * - household sizes 1–6 with an average of about 2.3 people;
 * - about a quarter of people aged 60 or more (Jilin province: 23.1 % in the 2020 census);
 * - urban communities (社区) weigh three times a rural village (村) when people are spread over communities;
 * - urban households live in multi-storey buildings (units, floors, rooms), rural ones in single-storey houses;
 * - each community is cut into grids (网格) of about 300 urban or 150 rural households.
 */
import { makeIdNumber } from '../../domain/id-number.ts';
import { Prng } from '../../domain/prng.ts';
import type { CityDivisions, Division } from './divisions.ts';
import { GIVEN_CHARS_F, GIVEN_CHARS_M, SURNAME_WEIGHTS, SURNAMES } from './names.ts';

export interface CityOptions {
  people: number;
  seed: number;
  /** Ages and birth dates are computed against this day (YYYY-MM-DD), so a seed gives the same city on any day. */
  asOf: string;
  /** County codes of the province and of the whole country, for people born elsewhere. */
  provinceCountyCodes: readonly string[];
  allCountyCodes: readonly string[];
}

export interface CityBatch {
  areas: unknown[][];
  buildings: unknown[][];
  households: unknown[][];
  persons: unknown[][];
  venues: unknown[][];
}

interface Member {
  age: number;
  sex: 'M' | 'F';
  surname?: string;
}

export const HOUSEHOLD_SIZE_WEIGHTS = [0.25, 0.35, 0.25, 0.1, 0.04, 0.01] as const; // sizes 1..6, mean 2.36
const URBAN_WEIGHT = 3;
const RURAL_WEIGHT = 1;
const GRID_HOUSEHOLDS = { urban: 300, rural: 150 } as const;
const PHONE_PREFIXES = [
  '130',
  '131',
  '132',
  '135',
  '136',
  '138',
  '139',
  '150',
  '151',
  '155',
  '157',
  '158',
  '159',
  '176',
  '177',
  '186',
  '187',
  '188',
  '189',
  '199',
];

/** Spreads `total` over weights with the largest-remainder method: integers that add up exactly. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) {
    const idx = (order[k] as readonly [number, number])[1];
    out[idx] = (out[idx] as number) + 1;
  }
  return out;
}

function composeHousehold(rng: Prng, size: number): Member[] {
  const adult = (lo: number, hi: number) => rng.int(lo, hi);
  const couple = (lo: number, hi: number): Member[] => {
    const a = adult(lo, hi);
    const b = Math.max(lo, Math.min(hi + 5, a + rng.int(-4, 4)));
    return [
      { age: a, sex: 'M' },
      { age: b, sex: 'F' },
    ];
  };
  const childOf = (parentAge: number): Member => ({
    age: Math.max(0, parentAge - rng.int(22, 34)),
    sex: rng.bool(0.51) ? 'M' : 'F',
  });
  const grandparent = (parentAge: number): Member => ({
    age: Math.min(98, parentAge + rng.int(22, 32)),
    sex: rng.bool(0.45) ? 'M' : 'F',
  });
  switch (size) {
    case 1:
      return [{ age: rng.bool(0.38) ? adult(60, 92) : adult(19, 59), sex: rng.bool(0.48) ? 'M' : 'F' }];
    case 2: {
      const r = rng.next();
      if (r < 0.4) return couple(60, 88);
      if (r < 0.8) return couple(22, 59);
      const p = adult(38, 62);
      return [{ age: p, sex: rng.bool(0.3) ? 'M' : 'F' }, childOf(p)];
    }
    case 3: {
      if (rng.bool(0.8)) {
        const c = couple(26, 56);
        return [...c, childOf((c[0] as Member).age)];
      }
      const c = couple(60, 85);
      return [...c, childOf((c[0] as Member).age)];
    }
    case 4: {
      const c = couple(28, 50);
      const f = (c[0] as Member).age;
      return rng.bool(0.4) ? [...c, childOf(f), childOf(f)] : [...c, childOf(f), grandparent(f)];
    }
    default: {
      const c = couple(28, 48);
      const f = (c[0] as Member).age;
      const members = [...c, childOf(f), grandparent(f), grandparent(f)];
      if (size >= 6) members.push(childOf(f));
      return members.slice(0, size);
    }
  }
}

function givenName(rng: Prng, sex: 'M' | 'F'): string {
  const chars = sex === 'M' ? GIVEN_CHARS_M : GIVEN_CHARS_F;
  const first = rng.pick(chars);
  return rng.bool(0.7) ? first + rng.pick(chars) : first;
}

function birthDateFor(rng: Prng, asOf: Date, age: number): string {
  // Born between (asOf − age − 1 year, asOf − age]: a day offset inside that year.
  const d = new Date(Date.UTC(asOf.getUTCFullYear() - age, asOf.getUTCMonth(), asOf.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - rng.int(0, 364));
  return d.toISOString().slice(0, 10);
}

function buildingTemplate(rng: Prng): { floors: number; units: number; perFloor: number } {
  const r = rng.next();
  if (r < 0.6) return { floors: rng.int(5, 7), units: rng.int(2, 4), perFloor: 2 }; // older walk-ups
  if (r < 0.9) return { floors: rng.int(11, 18), units: rng.int(1, 3), perFloor: rng.int(2, 4) };
  return { floors: rng.int(24, 33), units: rng.int(1, 2), perFloor: 4 };
}

/**
 * Yields the city community by community. IDs of buildings, households and persons are assigned here,
 * from 1, so rows can reference each other before they reach the database.
 */
export function* generateCity(div: CityDivisions, options: CityOptions): Generator<CityBatch> {
  const people = Math.floor(options.people);
  if (!(people >= 0)) throw new Error(`people must be a non-negative number, got ${options.people}`);
  const asOf = new Date(`${options.asOf}T00:00:00Z`);
  if (Number.isNaN(asOf.getTime())) throw new Error(`asOf must be YYYY-MM-DD, got ${options.asOf}`);
  const root = new Prng(options.seed);
  const weights = div.communities.map((c) => (c.kind === 'rural' ? RURAL_WEIGHT : URBAN_WEIGHT));
  const perCommunity = apportion(people, weights);
  const streets = new Map(div.streets.map((s) => [s.code, s]));
  const districts = new Map(div.districts.map((d) => [d.code, d]));
  const sequences = new Map<string, number>(); // region+birth date → next ID sequence
  let buildingId = 0;
  let householdId = 0;
  let personId = 0;
  let phoneCounter = 0;

  const nextIdNumber = (region: string, birth: string, sex: 'M' | 'F'): string => {
    const key = `${region}${birth}${sex}`;
    const n = sequences.get(key) ?? 0;
    sequences.set(key, n + 1);
    const seq = n * 2 + (sex === 'M' ? 1 : 0);
    if (seq > 999) throw new Error(`ran out of ID sequence numbers for ${region} ${birth}`);
    return makeIdNumber(region, birth, seq);
  };

  const nextPhone = (rng: Prng): string => {
    // A bijection of the counter onto 8 digits keeps phones unique within a prefix.
    const body = (phoneCounter++ * 48271 + 12345) % 100_000_000;
    return rng.pick(PHONE_PREFIXES) + String(body).padStart(8, '0');
  };

  const place = (c: Division): string => {
    const st = streets.get(c.parentCode as string);
    const di = st ? districts.get(st.parentCode as string) : undefined;
    return `${div.city.name}${di?.name ?? ''}${st?.name ?? ''}${c.name}`;
  };

  for (let ci = 0; ci < div.communities.length; ci++) {
    const community = div.communities[ci] as Division;
    const target = perCommunity[ci] as number;
    if (target === 0) continue;
    const rng = root.fork(ci);
    const rural = community.kind === 'rural';
    const district = community.code.slice(0, 6);
    const prefix = place(community);
    const batch: CityBatch = { areas: [], buildings: [], households: [], persons: [], venues: [] };

    // Households and their members.
    const households: Member[][] = [];
    for (let left = target; left > 0; ) {
      const size = Math.min(left, rng.weighted(HOUSEHOLD_SIZE_WEIGHTS) + 1);
      households.push(composeHousehold(rng, size));
      left -= size;
    }

    // Grids.
    const gridSize = rural ? GRID_HOUSEHOLDS.rural : GRID_HOUSEHOLDS.urban;
    const grids = Math.max(1, Math.ceil(households.length / gridSize));
    for (let g = 1; g <= grids; g++) {
      batch.areas.push([
        `${community.code}${String(g).padStart(3, '0')}`,
        community.code,
        6,
        `第${g}网格`,
        community.kind,
      ]);
    }
    const gridOf = (hhIndex: number) =>
      `${community.code}${String(Math.min(grids, Math.floor(hhIndex / gridSize) + 1)).padStart(3, '0')}`;

    // Buildings, filled household by household.
    let slot = 0;
    let capacity = 0;
    let tpl = { floors: 1, units: 1, perFloor: 1 };
    let bNo = 0;
    let bName = '';
    let bGrid = '';
    for (let h = 0; h < households.length; h++) {
      if (slot >= capacity) {
        tpl = rural ? { floors: 1, units: 1, perFloor: 1 } : buildingTemplate(rng);
        capacity = tpl.floors * tpl.units * tpl.perFloor;
        slot = 0;
        bNo++;
        buildingId++;
        bGrid = gridOf(h);
        bName = rural ? `${bNo}号` : `${bNo}号楼`;
        batch.buildings.push([
          buildingId,
          bGrid,
          bName,
          `${prefix}${bName}`,
          rural ? 'house' : 'residential',
          tpl.floors,
          tpl.units,
        ]);
      }
      // Fill unit by unit, floor by floor.
      const perUnit = tpl.floors * tpl.perFloor;
      const unit = Math.floor(slot / perUnit) + 1;
      const floor = Math.floor((slot % perUnit) / tpl.perFloor) + 1;
      const door = (slot % tpl.perFloor) + 1;
      slot++;
      householdId++;
      const room = rural ? null : `${floor}${String(door).padStart(2, '0')}`;
      const key = rural ? bName : `${bNo}-${unit}-${room}`;
      const address = rural ? `${prefix}${bName}` : `${prefix}${bName}${unit}单元${room}室`;
      batch.households.push([householdId, bGrid, buildingId, rural ? null : unit, floor, room, address, key]);

      const members = households[h] as Member[];
      const familyName = SURNAMES[rng.weighted(SURNAME_WEIGHTS)] as string;
      for (let m = 0; m < members.length; m++) {
        const p = members[m] as Member;
        // The first man and the children carry the family name; spouses and grandparents have their own.
        const surname =
          m === 0 || (p.age < 25 && m >= 2)
            ? familyName
            : (SURNAMES[rng.weighted(SURNAME_WEIGHTS)] as string);
        const birth = birthDateFor(rng, asOf, p.age);
        const r = rng.next();
        const region =
          p.age < 30 || r < 0.7
            ? district
            : r < 0.9
              ? rng.pick(options.provinceCountyCodes)
              : rng.pick(options.allCountyCodes);
        const elderly = p.age >= 60;
        personId++;
        batch.persons.push([
          personId,
          nextIdNumber(region, birth, p.sex),
          surname + givenName(rng, p.sex),
          p.sex,
          birth,
          p.age >= 12 ? nextPhone(rng) : null,
          householdId,
          bGrid,
          address,
          p.sex === 'F' && p.age >= 20 && p.age <= 40 && m <= 1 && rng.bool(0.04),
          rng.bool(elderly ? 0.06 : 0.015),
          rng.bool(elderly ? 0.4 : p.age >= 35 ? 0.08 : 0.01),
        ]);
      }
    }

    // Venues where people meet: the places the tracing module will ask about.
    const venueSpec: [string, number, number, string][] = rural
      ? [
          ['workplace', 400, 40, '合作社'],
          ['supermarket', 1500, 60, '便民超市'],
          ['school', 4000, 400, '小学'],
        ]
      : [
          ['workplace', 250, 80, '公司'],
          ['restaurant', 800, 60, '饭店'],
          ['supermarket', 3000, 300, '超市'],
          ['market', 8000, 500, '农贸市场'],
          ['kindergarten', 3000, 120, '幼儿园'],
          ['school', 5000, 1200, '学校'],
        ];
    let vNo = 0;
    for (const [kind, perPeople, cap, label] of venueSpec) {
      const n = Math.max(kind === 'workplace' ? 1 : 0, Math.round(target / perPeople));
      for (let i = 1; i <= n; i++) {
        vNo++;
        const name = `${community.name}${label}${n > 1 ? i : ''}`;
        batch.venues.push([
          gridOf(rng.int(0, households.length - 1)),
          kind,
          name,
          `${prefix}${name}`,
          `V${community.code}${String(vNo).padStart(3, '0')}`,
          Math.max(10, Math.round(cap * (0.5 + rng.next()))),
        ]);
      }
    }
    yield batch;
  }
}
