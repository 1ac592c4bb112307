/**
 * Trip planning (转运): from placed people to each vehicle's schedule of trips for the working day.
 *
 * Why a hand-written heuristic and no routing library: the npm registry offers `node_or_tools` (OR-Tools
 * bindings: a native module fetched as a prebuilt binary or built against OR-Tools sources, neither reachable
 * here, last released years ago), `salesman.js` (one tour by simulated annealing: no seats, no several
 * vehicles, no time window, no rules between riders) and LP/MIP solvers compiled to WebAssembly (`highs`,
 * `glpk.js`, `yalps`), with which a vehicle-routing model of 20,000 people would be far beyond the 5 s budget.
 * Routing engines (OSRM, VROOM, GraphHopper) need native binaries and road-network data. Distances here are
 * schematic (area-code hierarchy, see placement.ts), a tree metric on which visiting pickups in area-code order
 * is already the shortest order, so the gain a solver could bring is in grouping, which the rules below drive.
 *
 * Rules (all checked by `checkTrips`):
 * - never cases and contacts in one vehicle; a severe or critical case rides alone in an ambulance (a
 *   negative-pressure one first); other cases ride buses or vans carrying only cases, or an ordinary ambulance
 *   with no severe case to fetch (option); negative-pressure ambulances carry severe cases only, and no
 *   ambulance carries contacts;
 * - a household travels together (one trip), as a family is placed together;
 * - seats are never exceeded; one destination site per trip;
 * - every vehicle runs a sequence of trips (depot → pickups → site → next pickups → …), numbered from 1, that
 *   never overlap; each leg takes its schematic km at an assumed urban speed, each pickup stop a loading time,
 *   each arrival an unloading time, and after a trip that carried cases the vehicle is disinfected before the
 *   next; every trip ends inside the working window (default 16 h from the shift start);
 * - special groups (elderly, children, pregnant, disabled) are fetched first: destinations with special-group
 *   households waiting are served before the others, and their trips start from such a household.
 *
 * Heuristic (greedy, event-driven): the vehicle that is free earliest (ties: negative-pressure ambulances,
 * ambulances, then the largest) takes the next trip. An ambulance takes the waiting severe case nearest to it.
 * A bus or van looks at every destination pool (class × site) with waiting households that fit its seats and
 * ranks them by special groups first, then by how full it would run, then by the empty km to the nearest
 * pickup (an ordinary ambulance with no severe case left does the same among case pools); for each (up to 1,000) it grows a load from a seed household by nearest neighbour along the area-code order
 * (same community, then street, then district), visits the stops in area-code order from the nearer end, and
 * keeps the load with the fewest km per person. A load that would end after the window is cut back; a vehicle
 * for which nothing fits any more is done for the day. Deterministic for the same input; every trip explains
 * itself. `insertUrgent` adds one household to a plan already made (cheapest added km, or a new trip).
 */
import { english, type Phrase, type PhraseKey, phrase } from './phrase.ts';
import { BAND_KM, normalizeArea } from './placement.ts';

export interface Passenger {
  placementId: number;
  personId: number;
  householdId: number;
  isCase: boolean;
  severe: boolean; // moderate cases are not "severe" here: severe and critical need an ambulance
  priority: boolean;
  areaCode: string; // pickup (the grid of the household)
  siteId: number;
  siteArea: string; // where the site is
  /** The site's name, for reasons ("site 11" when not given). */
  siteName?: string;
}

export type VehicleKind = 'bus' | 'van' | 'car' | 'ambulance' | 'negative_pressure_ambulance';

export interface Vehicle {
  id: number;
  kind: VehicleKind;
  seats: number;
  plate: string;
  depotArea: string;
  /** Already committed today (trips of an earlier plan): free from (ms), where, and its next sequence number. */
  availableAt?: number;
  at?: string;
  nextSequence?: number;
}

export interface ScheduleOptions {
  /** Start of the working window (epoch ms). */
  shiftStart: number;
  windowHours: number;
  speedKmh: number;
  /** Loading time at each pickup stop, minutes. */
  stopMinutes: number;
  /** Unloading and hand-over at the site, minutes. */
  unloadMinutes: number;
  /** Disinfection of a vehicle after a trip that carried cases, minutes. */
  disinfectionMinutes: number;
  /**
   * Ordinary ambulances with no severe case to fetch carry other cases (cases only); negative-pressure ones are
   * kept for severe cases.
   */
  ambulancesCarryCases: boolean;
}

export const DEFAULT_SCHEDULE: Omit<ScheduleOptions, 'shiftStart'> = Object.freeze({
  windowHours: 16,
  speedKmh: 30,
  stopMinutes: 5,
  unloadMinutes: 10,
  disinfectionMinutes: 30,
  ambulancesCarryCases: true,
});

export type TripClass = 'case_ambulance' | 'case' | 'contact';

export interface PlannedTrip {
  vehicleId: number;
  sequence: number;
  class: TripClass;
  siteId: number;
  siteArea: string;
  placementIds: number[];
  /** Pickup areas in the order visited. */
  stops: string[];
  /** Where the vehicle comes from (its depot or the site of its previous trip). */
  from: string;
  start: number;
  end: number;
  km: number;
  reason: string;
  /** The same, as phrases (domain/phrase.ts). */
  phrase?: readonly Phrase[];
}

export interface DispatchResult {
  trips: PlannedTrip[];
  waiting: { placementId: number; reason: string; phrase?: readonly Phrase[] }[];
}

const AMBULANCES: ReadonlySet<string> = new Set(['negative_pressure_ambulance', 'ambulance']);
export const isAmbulance = (v: Pick<Vehicle, 'kind'>): boolean => AMBULANCES.has(v.kind);
const carriesCases = (cls: TripClass): boolean => cls !== 'contact';
export const tripClassOf = (p: Pick<Passenger, 'isCase' | 'severe'>): TripClass =>
  p.isCase ? (p.severe ? 'case_ambulance' : 'case') : 'contact';

export function withDefaults(options: Partial<ScheduleOptions>): ScheduleOptions {
  return { shiftStart: 0, ...DEFAULT_SCHEDULE, ...options };
}

// -----------------------------------------------------------------------------------------------------------
// Schematic distance, the same figures as placement.ts `schematicKm` (a test holds them equal), interned so
// that a distance costs a few integer comparisons: each area gets the ids of its prefixes at the band lengths.

const BAND_LENGTHS = [15, 12, 9, 6, 4] as const;

export class AreaKm {
  private readonly index = new Map<string, number>();
  private readonly prefixIds = new Map<string, number>();
  private levels: number[] = []; // 5 per area: prefix id at each band length, -1 when the code is shorter

  id(code: string): number {
    let i = this.index.get(code);
    if (i !== undefined) return i;
    i = this.index.size;
    this.index.set(code, i);
    const n = normalizeArea(code);
    for (const len of BAND_LENGTHS) {
      if (n.length < len) {
        this.levels.push(-1);
        continue;
      }
      const key = `${len}:${n.slice(0, len)}`;
      let p = this.prefixIds.get(key);
      if (p === undefined) {
        p = this.prefixIds.size;
        this.prefixIds.set(key, p);
      }
      this.levels.push(p);
    }
    return i;
  }

  between(a: number, b: number): number {
    const l = this.levels;
    for (let k = 0; k < 5; k++) {
      const x = l[a * 5 + k] as number;
      if (x >= 0 && x === l[b * 5 + k]) return BAND_KM[k] as number;
    }
    return BAND_KM[5];
  }

  km(a: string, b: string): number {
    return this.between(this.id(a), this.id(b));
  }
}

/** Km of a route from `from` through `stops` in order to `to`. */
export function routeKm(dist: AreaKm, from: string, stops: readonly string[], to: string): number {
  let km = 0;
  let at = from;
  for (const s of stops) {
    km += dist.km(at, s);
    at = s;
  }
  return km + dist.km(at, to);
}

/** Minutes a trip takes: driving at the assumed speed, loading at each stop, unloading at the site. */
export function tripMinutes(o: ScheduleOptions, km: number, stops: number): number {
  return (km / o.speedKmh) * 60 + stops * o.stopMinutes + o.unloadMinutes;
}

const MINUTE = 60_000;
/**
 * How many destination pools a free bus or van builds a load for (best ranked first). Trying them all halves the
 * people left at the end of a 20,000-person day against trying 12 (bench/dispatch.ts); the cap bounds the cost
 * for larger backlogs.
 */
const MAX_CANDIDATE_POOLS = 1000;
const windowEnd = (o: ScheduleOptions): number => o.shiftStart + o.windowHours * 3_600_000;
/** When a vehicle is free again after a trip. */
const freeAfter = (o: ScheduleOptions, cls: TripClass, end: number): number =>
  carriesCases(cls) ? end + o.disinfectionMinutes * MINUTE : end;

/**
 * The stops of a load (distinct pickup areas, sorted by code) in the cheaper of the two directions, with the
 * route's km from `from` to `site`. Ascending or descending area-code order visits a tree metric's leaves
 * in a shortest order; which end to start from depends on where the vehicle comes from and goes to.
 */
function orderStops(
  dist: AreaKm,
  from: number,
  sortedIds: readonly number[],
  site: number,
): { ids: number[]; km: number } {
  if (sortedIds.length === 0) return { ids: [], km: dist.between(from, site) };
  let chain = 0;
  for (let i = 1; i < sortedIds.length; i++)
    chain += dist.between(sortedIds[i - 1] as number, sortedIds[i] as number);
  const first = sortedIds[0] as number;
  const last = sortedIds[sortedIds.length - 1] as number;
  const fwd = dist.between(from, first) + chain + dist.between(last, site);
  const back = dist.between(from, last) + chain + dist.between(first, site);
  return back < fwd ? { ids: [...sortedIds].reverse(), km: back } : { ids: [...sortedIds], km: fwd };
}

// -----------------------------------------------------------------------------------------------------------
// Batch planning

interface Group {
  cls: TripClass;
  siteId: number;
  site: number; // area id
  members: Passenger[];
  priority: boolean;
  areaCode: string;
  area: number; // area id
  key: number; // order in the sorted list of all groups
  taken: boolean;
}

interface PoolState {
  cls: 'case' | 'contact';
  siteId: number;
  site: number;
  siteArea: string;
  groups: Group[]; // pending, sorted by area code then first placement id
  people: number;
  priorityGroups: number;
}

interface VehicleState {
  v: Vehicle;
  rank: number;
  at: number; // area id
  atCode: string;
  free: number;
  seq: number;
  trips: number;
}

const KIND_RANK: Record<VehicleKind, number> = {
  negative_pressure_ambulance: 0,
  ambulance: 1,
  bus: 2,
  van: 3,
  car: 4,
};

class Heap<T> {
  private readonly a: T[] = [];
  private readonly less: (x: T, y: T) => boolean;
  constructor(less: (x: T, y: T) => boolean) {
    this.less = less;
  }
  get size(): number {
    return this.a.length;
  }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i] as T, a[p] as T)) break;
      [a[i], a[p]] = [a[p] as T, a[i] as T];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l] as T, a[m] as T)) m = l;
        if (r < a.length && this.less(a[r] as T, a[m] as T)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as T, a[i] as T];
        i = m;
      }
    }
    return top;
  }
}

const hhmm = (ms: number): string => {
  // Local time of the response (UTC+8), as dispatchers read it.
  const d = new Date(ms + 8 * 3_600_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
};

function groupPassengers(passengers: readonly Passenger[], dist: AreaKm): Group[] {
  const groups = new Map<string, Group>();
  for (const p of [...passengers].sort((a, b) => a.placementId - b.placementId)) {
    const cls = tripClassOf(p);
    const key = cls === 'case_ambulance' ? `amb:${p.placementId}` : `${cls}:${p.siteId}:${p.householdId}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        cls,
        siteId: p.siteId,
        site: dist.id(p.siteArea),
        members: [],
        priority: false,
        areaCode: p.areaCode,
        area: dist.id(p.areaCode),
        key: 0,
        taken: false,
      };
      groups.set(key, g);
    }
    g.members.push(p);
    g.priority ||= p.priority;
    if (p.areaCode < g.areaCode) {
      g.areaCode = p.areaCode;
      g.area = dist.id(p.areaCode);
    }
  }
  const list = [...groups.values()].sort(
    (a, b) =>
      (a.areaCode < b.areaCode ? -1 : a.areaCode > b.areaCode ? 1 : 0) ||
      (a.members[0] as Passenger).placementId - (b.members[0] as Passenger).placementId,
  );
  list.forEach((g, i) => {
    g.key = i;
  });
  return list;
}

interface Load {
  groups: Group[];
  people: number;
  stops: number[];
  km: number;
  end: number;
}

/**
 * Builds the load of one trip from `pool` for vehicle `s` starting at `start`; undefined if nothing fits. The
 * seed is the household nearest to the vehicle (special groups first); when even the seed alone would end
 * after the window, the other households are tried as seeds in the same order.
 */
function buildLoad(
  dist: AreaKm,
  o: ScheduleOptions,
  pool: PoolState,
  s: VehicleState,
  start: number,
  limit: number,
): Load | undefined {
  const gs = pool.groups;
  const seats = s.v.seats;
  const rank = (i: number): [number, number] => {
    const g = gs[i] as Group;
    return [pool.priorityGroups > 0 && !g.priority ? 1 : 0, dist.between(s.at, g.area)];
  };
  let seed = -1;
  let best: [number, number] = [2, 0];
  for (let i = 0; i < gs.length; i++) {
    if ((gs[i] as Group).members.length > seats) continue;
    const r = rank(i);
    if (r[0] < best[0] || (r[0] === best[0] && r[1] < best[1])) {
      best = r;
      seed = i;
    }
  }
  if (seed < 0) return undefined;
  const first = growLoad(dist, o, pool, s, start, limit, seed);
  if (first) return first;
  const others = gs
    .map((g, i) => ({ i, r: rank(i), fits: g.members.length <= seats }))
    .filter((x) => x.fits && x.i !== seed)
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i);
  for (const x of others) {
    const load = growLoad(dist, o, pool, s, start, limit, x.i);
    if (load) return load;
  }
  return undefined;
}

/** Grows a load from `seed` by nearest neighbour along the area-code order, cut back to end inside the window. */
function growLoad(
  dist: AreaKm,
  o: ScheduleOptions,
  pool: PoolState,
  s: VehicleState,
  start: number,
  limit: number,
  seed: number,
): Load | undefined {
  const gs = pool.groups;
  const seats = s.v.seats;
  const chosen: number[] = [seed];
  let left = seed - 1;
  let right = seed + 1;
  let lo = gs[seed] as Group;
  let hi = lo;
  let free = seats - lo.members.length;
  while (free > 0) {
    while (left >= 0 && (gs[left] as Group).members.length > free) left--;
    while (right < gs.length && (gs[right] as Group).members.length > free) right++;
    const L = left >= 0 ? (gs[left] as Group) : undefined;
    const R = right < gs.length ? (gs[right] as Group) : undefined;
    if (!L && !R) break;
    const dl = L ? dist.between(lo.area, L.area) : Number.POSITIVE_INFINITY;
    const dr = R ? dist.between(hi.area, R.area) : Number.POSITIVE_INFINITY;
    if (dl <= dr && L) {
      chosen.push(left);
      free -= L.members.length;
      lo = L;
      left--;
    } else if (R) {
      chosen.push(right);
      free -= R.members.length;
      hi = R;
      right++;
    }
  }
  // Route and time; cut back (last added first) until the trip ends inside the window.
  for (let n = chosen.length; n > 0; n--) {
    const idx = chosen.slice(0, n).sort((a, b) => a - b);
    const areas: number[] = [];
    for (const i of idx) {
      const a = (gs[i] as Group).area;
      if (areas[areas.length - 1] !== a) areas.push(a);
    }
    const { ids, km } = orderStops(dist, s.at, areas, pool.site);
    const end = start + tripMinutes(o, km, ids.length) * MINUTE;
    if (end <= limit) {
      const groups = idx.map((i) => gs[i] as Group);
      return { groups, people: groups.reduce((x, g) => x + g.members.length, 0), stops: ids, km, end };
    }
  }
  return undefined;
}

export function planTrips(
  passengers: readonly Passenger[],
  vehicles: readonly Vehicle[],
  options: Partial<ScheduleOptions> = {},
  dist: AreaKm = new AreaKm(),
): DispatchResult {
  const o = withDefaults(options);
  const limit = windowEnd(o);
  const groups = groupPassengers(passengers, dist);
  const siteNames = new Map<number, string>();
  for (const p of passengers) if (p.siteName) siteNames.set(p.siteId, p.siteName);
  const areaCodes = new Map<number, string>();
  for (const g of groups) {
    areaCodes.set(g.area, g.areaCode);
    areaCodes.set(g.site, (g.members[0] as Passenger).siteArea);
  }
  const severe = groups.filter((g) => g.cls === 'case_ambulance');
  const poolMap = new Map<string, PoolState>();
  for (const g of groups) {
    if (g.cls === 'case_ambulance') continue;
    const key = `${g.cls}:${g.siteId}`;
    let pool = poolMap.get(key);
    if (!pool) {
      pool = {
        cls: g.cls,
        siteId: g.siteId,
        site: g.site,
        siteArea: (g.members[0] as Passenger).siteArea,
        groups: [],
        people: 0,
        priorityGroups: 0,
      };
      poolMap.set(key, pool);
    }
    pool.groups.push(g);
    pool.people += g.members.length;
    if (g.priority) pool.priorityGroups++;
  }
  const pools = [...poolMap.values()].sort(
    (a, b) => (a.cls === b.cls ? 0 : a.cls === 'case' ? -1 : 1) || a.siteId - b.siteId,
  );

  const heap = new Heap<VehicleState>(
    (x, y) =>
      x.free < y.free || (x.free === y.free && (x.rank < y.rank || (x.rank === y.rank && x.v.id < y.v.id))),
  );
  for (const v of [...vehicles].sort((a, b) => a.id - b.id)) {
    const atCode = v.at ?? v.depotArea;
    heap.push({
      v,
      rank: KIND_RANK[v.kind] * 1000 - v.seats,
      at: dist.id(atCode),
      atCode,
      free: Math.max(o.shiftStart, v.availableAt ?? o.shiftStart),
      seq: v.nextSequence ?? 1,
      trips: 0,
    });
  }
  const trips: PlannedTrip[] = [];
  let severeLeft = severe.length;
  let poolPeopleLeft = pools.reduce((n, p) => n + p.people, 0);
  const commit = (
    s: VehicleState,
    cls: TripClass,
    siteId: number,
    siteArea: string,
    site: number,
    load: Load,
    why: Phrase,
  ) => {
    const start = s.free;
    const placementIds = load.groups.flatMap((g) => g.members.map((m) => m.placementId));
    const stops = load.stops.map((a) => areaCodes.get(a) as string);
    const streets = [...new Set(stops.map((a) => a.slice(0, 9)))];
    const special = load.groups.filter((g) => g.priority).length;
    const kind = phrase(`vk.${s.v.kind}`);
    const head =
      cls === 'case_ambulance'
        ? phrase('dp.head_ambulance', { kind, plate: s.v.plate })
        : phrase(cls === 'case' ? 'dp.head_cases' : 'dp.head_contacts', {
            people: load.people,
            seats: s.v.seats,
            kind,
            plate: s.v.plate,
            groups: load.groups.length,
            special,
            stops: stops.length,
            streets: streets.length,
            list: streets.slice(0, 3).map((area) => ({ area })),
            more: streets.length > 3 ? phrase('dp.more') : '',
          });
    const parts = [
      phrase('dp.trip', {
        seq: s.seq,
        plate: s.v.plate,
        start: hhmm(start),
        end: hhmm(load.end),
        km: Math.round(load.km * 10) / 10,
        from: phrase(s.trips === 0 && s.v.at === undefined ? 'dp.from_depot' : 'dp.from_site'),
        head,
        site: siteNames.get(siteId) ?? phrase('dp.site', { id: siteId }),
      }),
      why,
      ...(carriesCases(cls) ? [phrase('dp.then_disinfect', { min: o.disinfectionMinutes })] : []),
    ];
    trips.push({
      vehicleId: s.v.id,
      sequence: s.seq,
      class: cls,
      siteId,
      siteArea,
      placementIds,
      stops,
      from: s.atCode,
      start,
      end: load.end,
      km: load.km,
      reason: english(parts),
      phrase: parts,
    });
    for (const g of load.groups) g.taken = true;
    s.seq++;
    s.trips++;
    s.at = site;
    s.atCode = siteArea;
    s.free = freeAfter(o, cls, load.end);
  };

  while (heap.size > 0 && (severeLeft > 0 || poolPeopleLeft > 0)) {
    const s = heap.pop() as VehicleState;
    if (s.free >= limit) continue;
    if (isAmbulance(s.v)) {
      // The nearest waiting severe case whose trip fits the window.
      let best: Load | undefined;
      let bestGroup: Group | undefined;
      for (const g of severe) {
        if (g.taken) continue;
        const km = dist.between(s.at, g.area) + dist.between(g.area, g.site);
        const end = s.free + tripMinutes(o, km, 1) * MINUTE;
        if (end > limit) continue;
        if (!best || km < best.km || (km === best.km && g.priority && !bestGroup?.priority)) {
          best = { groups: [g], people: 1, stops: [g.area], km, end };
          bestGroup = g;
        }
      }
      if (best && bestGroup) {
        commit(
          s,
          'case_ambulance',
          bestGroup.siteId,
          (bestGroup.members[0] as Passenger).siteArea,
          bestGroup.site,
          best,
          phrase('dp.nearest_severe'),
        );
        severeLeft--;
        heap.push(s);
        continue;
      }
      // No severe case for it: an ordinary ambulance may carry other cases, else it is done for the day.
      if (!(o.ambulancesCarryCases && s.v.kind === 'ambulance')) continue;
    }
    // Buses and vans: rank the pools, build loads for the best few, keep the fewest km per person.
    const seats = s.v.seats;
    const ranked: { pool: PoolState; tier: number; fill: number; deadhead: number }[] = [];
    const casesOnly = isAmbulance(s.v);
    for (const pool of pools) {
      if (pool.people === 0 || (casesOnly && pool.cls !== 'case')) continue;
      let near = Number.POSITIVE_INFINITY;
      let fits = false;
      for (const g of pool.groups) {
        if (g.members.length > seats) continue;
        fits = true;
        const d = dist.between(s.at, g.area);
        if (d < near) near = d;
      }
      if (!fits) continue;
      const load = Math.min(seats, pool.people);
      ranked.push({
        pool,
        tier: pool.priorityGroups > 0 ? 0 : 1,
        fill: load >= 0.75 * seats ? 0 : -load,
        deadhead: near,
      });
    }
    if (ranked.length === 0) continue; // nothing fits its seats: done
    ranked.sort(
      (a, b) =>
        a.tier - b.tier || a.fill - b.fill || a.deadhead - b.deadhead || a.pool.siteId - b.pool.siteId,
    );
    let chosen: { pool: PoolState; load: Load; perPerson: number; tier: number } | undefined;
    let tried = 0;
    for (const r of ranked) {
      if (chosen && (tried >= MAX_CANDIDATE_POOLS || r.tier > chosen.tier)) break;
      const load = buildLoad(dist, o, r.pool, s, s.free, limit);
      if (!load) continue;
      tried++;
      const perPerson = load.km / load.people;
      if (!chosen || perPerson < chosen.perPerson - 1e-9)
        chosen = { pool: r.pool, load, perPerson, tier: r.tier };
    }
    if (!chosen) continue; // no load ends inside the window: done for the day
    const { pool, load } = chosen;
    commit(
      s,
      pool.cls,
      pool.siteId,
      pool.siteArea,
      pool.site,
      load,
      phrase(chosen.tier === 0 ? 'dp.why_special' : 'dp.why_plain', {
        km: chosen.perPerson.toFixed(1),
        n: Math.min(tried, ranked.length),
      }),
    );
    pool.groups = pool.groups.filter((g) => !g.taken);
    pool.people -= load.people;
    poolPeopleLeft -= load.people;
    pool.priorityGroups = pool.groups.reduce((n, g) => n + (g.priority ? 1 : 0), 0);
    heap.push(s);
  }

  // Who is left, and why.
  const waiting: DispatchResult['waiting'] = [];
  const ambulances = vehicles.filter(isAmbulance).length;
  const others = vehicles.filter((v) => !isAmbulance(v));
  const maxSeats = others.reduce((m, v) => Math.max(m, v.seats), 0);
  const end = hhmm(limit);
  for (const g of groups) {
    if (g.taken) continue;
    let why: Phrase;
    if (g.cls === 'case_ambulance')
      why = ambulances === 0 ? phrase('dp.no_ambulance') : phrase('dp.no_ambulance_free', { end });
    else if (others.length === 0) why = phrase('dp.no_bus');
    else if (g.members.length > maxSeats)
      why = phrase('dp.household_too_big', { n: g.members.length, seats: maxSeats });
    else why = phrase('dp.day_full', { end });
    const reason = english(why);
    for (const m of g.members) waiting.push({ placementId: m.placementId, reason, phrase: [why] });
  }
  waiting.sort((a, b) => a.placementId - b.placementId);
  trips.sort((a, b) => a.vehicleId - b.vehicleId || a.sequence - b.sequence);
  return { trips, waiting };
}

// -----------------------------------------------------------------------------------------------------------
// Incremental insertion of an urgent household into a plan already made

/** A trip already in the plan, as the database holds it. */
export interface ScheduledTrip {
  id: number;
  vehicleId: number;
  sequence: number;
  class: TripClass;
  siteId: number;
  siteArea: string;
  /** Departed or delivered trips are fixed; planned ones may take more riders and move later. */
  status: 'planned' | 'departed' | 'delivered';
  passengers: number;
  stops: string[];
  from: string;
  start: number;
  end: number;
  km: number;
}

export interface InsertionOptions extends ScheduleOptions {
  /** How soon an urgent pickup should start: options starting later are taken only when none is sooner. */
  urgentWithinMinutes: number;
}

export type Insertion =
  | {
      kind: 'existing';
      tripId: number;
      vehicleId: number;
      stops: string[];
      km: number;
      addedKm: number;
      start: number;
      end: number;
      /** Later planned trips of the same vehicle that move: id → new start and end. */
      shifted: { id: number; start: number; end: number }[];
      reason: string;
      phrase?: readonly Phrase[];
    }
  | {
      kind: 'new';
      vehicleId: number;
      sequence: number;
      class: TripClass;
      stops: string[];
      from: string;
      km: number;
      addedKm: number;
      start: number;
      end: number;
      reason: string;
      phrase?: readonly Phrase[];
    }
  | { kind: 'none'; reason: string; phrase?: readonly Phrase[] };

interface Option {
  ins: Exclude<Insertion, { kind: 'none' }>;
  pickupBy: number;
  label: Phrase;
}

const none = (why: Phrase): Insertion => ({ kind: 'none', reason: english(why), phrase: [why] });

/**
 * Chooses where one urgent household (members of one class going to one site) rides: the planned trip of the
 * same class and site with free seats whose route grows the least (later trips of that vehicle move if need be,
 * all still inside the window), or a new trip at the end of a vehicle's day (for a severe case: an ambulance of
 * its own). Options whose pickup starts within `urgentWithinMinutes` of now come first; among them the fewest
 * added km wins. The reason says what was chosen and what it was weighed against.
 */
export function insertUrgent(
  household: readonly Passenger[],
  vehicles: readonly Vehicle[],
  trips: readonly ScheduledTrip[],
  options: Partial<InsertionOptions>,
  now: number,
  dist: AreaKm = new AreaKm(),
): Insertion {
  const o = { urgentWithinMinutes: 120, ...withDefaults(options) };
  const limit = windowEnd(o);
  const first = household[0];
  if (!first) return none(phrase('dp.nobody'));
  const cls = tripClassOf(first);
  if (household.some((p) => tripClassOf(p) !== cls || p.siteId !== first.siteId))
    throw new Error('an urgent household must share one class and one site');
  if (cls === 'case_ambulance' && household.length > 1)
    throw new Error('a severe case rides alone: insert each on its own');
  const size = household.length;
  const pickup = first.areaCode;
  const deadline = Math.max(now, o.shiftStart) + o.urgentWithinMinutes * MINUTE;
  const byVehicle = new Map<number, ScheduledTrip[]>();
  for (const t of [...trips].sort((a, b) => a.vehicleId - b.vehicleId || a.sequence - b.sequence))
    byVehicle.set(t.vehicleId, [...(byVehicle.get(t.vehicleId) ?? []), t]);
  const options_: Option[] = [];

  for (const v of [...vehicles].sort((a, b) => a.id - b.id)) {
    const chain = byVehicle.get(v.id) ?? [];
    const compatible =
      cls === 'case_ambulance'
        ? isAmbulance(v)
        : v.seats >= size &&
          (!isAmbulance(v) || (cls === 'case' && v.kind === 'ambulance' && o.ambulancesCarryCases));
    if (!compatible) continue;
    // (a) join a planned trip of the same class and site with free seats.
    if (cls !== 'case_ambulance') {
      chain.forEach((t, i) => {
        if (t.status !== 'planned' || t.class !== cls || t.siteId !== first.siteId) return;
        if (t.passengers + size > v.seats) return;
        const sorted = [...new Set([...t.stops, pickup])].sort();
        const ids = sorted.map((a) => dist.id(a));
        const { ids: order, km } = orderStops(dist, dist.id(t.from), ids, dist.id(t.siteArea));
        const stops = order.map((id) => sorted[ids.indexOf(id)] as string);
        const start = t.start;
        const end = start + tripMinutes(o, km, stops.length) * MINUTE;
        const shifted: { id: number; start: number; end: number }[] = [];
        let prevFree = freeAfter(o, t.class, end);
        let prevEnd = end;
        for (const later of chain.slice(i + 1)) {
          const s = Math.max(later.start, prevFree);
          const e = s + (later.end - later.start);
          if (s !== later.start) shifted.push({ id: later.id, start: s, end: e });
          prevFree = freeAfter(o, later.class, e);
          prevEnd = e;
        }
        if (Math.max(end, prevEnd) > limit) return;
        options_.push({
          ins: {
            kind: 'existing',
            tripId: t.id,
            vehicleId: v.id,
            stops,
            km,
            addedKm: km - t.km,
            start,
            end,
            shifted,
            reason: '',
          },
          pickupBy: start,
          label: phrase('dp.opt_join', {
            seq: t.sequence,
            plate: v.plate,
            from: t.passengers,
            to: t.passengers + size,
            seats: v.seats,
          }),
        });
      });
    }
    // (b) a new trip at the end of this vehicle's day.
    const last = chain[chain.length - 1];
    const from = last ? last.siteArea : (v.at ?? v.depotArea);
    const free = last ? freeAfter(o, last.class, last.end) : (v.availableAt ?? o.shiftStart);
    const start = Math.max(now, o.shiftStart, free);
    const km = routeKm(dist, from, [pickup], first.siteArea);
    const end = start + tripMinutes(o, km, 1) * MINUTE;
    if (end > limit) continue;
    options_.push({
      ins: {
        kind: 'new',
        vehicleId: v.id,
        sequence: last ? last.sequence + 1 : (v.nextSequence ?? 1),
        class: cls,
        stops: [pickup],
        from,
        km,
        addedKm: km,
        start,
        end,
        reason: '',
      },
      pickupBy: start,
      label: phrase('dp.opt_new', {
        seq: last ? last.sequence + 1 : (v.nextSequence ?? 1),
        kind: phrase(`vk.${v.kind}`),
        plate: v.plate,
      }),
    });
  }
  if (options_.length === 0) {
    return none(
      cls === 'case_ambulance'
        ? vehicles.some(isAmbulance)
          ? phrase('dp.no_ambulance_fit', { end: hhmm(limit) })
          : phrase('dp.no_ambulance')
        : phrase('dp.no_trip_room', {
            size,
            site: phrase('dp.site', { id: first.siteId }),
            end: hhmm(limit),
          }),
    );
  }
  const soon = options_.filter((x) => x.pickupBy <= deadline);
  const pool = soon.length > 0 ? soon : options_;
  pool.sort(
    (a, b) =>
      a.ins.addedKm - b.ins.addedKm ||
      a.pickupBy - b.pickupBy ||
      (a.ins.kind === 'existing' ? 0 : 1) - (b.ins.kind === 'existing' ? 0 : 1) ||
      a.ins.vehicleId - b.ins.vehicleId,
  );
  const best = pool[0] as Option;
  const bestNew = pool.find((x) => x.ins.kind === 'new');
  const bestJoin = pool.find((x) => x.ins.kind === 'existing');
  const who = phrase(`dp.who_${cls}` as PhraseKey);
  const alt: Phrase[] =
    best.ins.kind === 'existing'
      ? bestNew
        ? [phrase('dp.alt_new', { km: bestNew.ins.addedKm })]
        : []
      : bestJoin
        ? [phrase('dp.alt_join', { option: bestJoin.label, km: bestJoin.ins.addedKm })]
        : [
            phrase(soon.length > 0 ? 'dp.alt_none_before' : 'dp.alt_none', {
              who: phrase(cls === 'contact' ? 'dp.who_contact' : 'dp.who_case'),
              site: phrase('dp.site', { id: first.siteId }),
              size,
              at: hhmm(deadline),
            }),
          ];
  const shiftNote: Phrase[] =
    best.ins.kind === 'existing' && best.ins.shifted.length > 0
      ? [phrase('dp.shifted', { n: best.ins.shifted.length })]
      : [];
  const parts = [
    phrase('dp.urgent', {
      who,
      size,
      option: best.label,
      at: hhmm(best.pickupBy),
      km: best.ins.addedKm,
      n: pool.length,
      within: phrase(soon.length > 0 ? 'dp.within' : 'dp.none_within', { min: o.urgentWithinMinutes }),
    }),
    ...alt,
    ...shiftNote,
  ];
  best.ins.reason = english(parts);
  best.ins.phrase = parts;
  return best.ins;
}

// -----------------------------------------------------------------------------------------------------------
// The checker

export interface DispatchViolation {
  rule: string;
  detail: string;
}

/**
 * Checks the hard rules of a plan (used by the property tests and the benchmark): rules between riders, seats,
 * completeness, and the schedules — per vehicle the sequence numbers follow each other from its next number,
 * trips never overlap (a trip that carried cases is followed by the disinfection time), each trip starts where
 * the previous one ended (or at the depot), takes at least the time its route needs, and ends inside the window.
 */
export function checkTrips(
  passengers: readonly Passenger[],
  vehicles: readonly Vehicle[],
  r: DispatchResult,
  options: Partial<ScheduleOptions> = {},
): DispatchViolation[] {
  const o = withDefaults(options);
  const limit = windowEnd(o);
  const dist = new AreaKm();
  const out: DispatchViolation[] = [];
  const byId = new Map(passengers.map((p) => [p.placementId, p]));
  const vById = new Map(vehicles.map((v) => [v.id, v]));
  const seen = new Set<number>();
  for (const t of r.trips) {
    const v = vById.get(t.vehicleId);
    if (!v) out.push({ rule: 'vehicle', detail: `unknown vehicle ${t.vehicleId}` });
    if (v && t.placementIds.length > v.seats)
      out.push({ rule: 'seats', detail: `trip of ${v.plate} over its ${v.seats} seats` });
    if (t.placementIds.length === 0)
      out.push({ rule: 'empty', detail: `empty trip of vehicle ${t.vehicleId}` });
    const ps = t.placementIds.map((id) => byId.get(id));
    if (ps.some((p) => p === undefined)) {
      out.push({ rule: 'unknown', detail: `trip of vehicle ${t.vehicleId} carries an unknown placement` });
      continue;
    }
    const riders = ps as Passenger[];
    if (new Set(riders.map((p) => p.isCase)).size > 1)
      out.push({ rule: 'mixing', detail: `cases and contacts together in ${v?.plate}` });
    if (riders.some((p) => tripClassOf(p) !== t.class))
      out.push({ rule: 'class', detail: `trip of ${v?.plate} of class ${t.class} carries another class` });
    if (riders.some((p) => p.siteId !== t.siteId || p.siteArea !== t.siteArea))
      out.push({ rule: 'destination', detail: `trip of ${v?.plate} serves two sites` });
    if (riders.some((p) => p.isCase && p.severe) && (riders.length > 1 || !v || !isAmbulance(v)))
      out.push({ rule: 'ambulance', detail: `a severe case not alone in an ambulance (${v?.plate})` });
    if (
      v &&
      isAmbulance(v) &&
      t.class !== 'case_ambulance' &&
      !(t.class === 'case' && v.kind === 'ambulance' && o.ambulancesCarryCases)
    )
      out.push({ rule: 'ambulance', detail: `${v.kind} ${v.plate} used for a ${t.class} trip` });
    const areas = [...new Set(riders.map((p) => p.areaCode))].sort().join();
    if ([...t.stops].sort().join() !== areas || new Set(t.stops).size !== t.stops.length)
      out.push({ rule: 'stops', detail: `trip of ${v?.plate} does not stop exactly where its riders are` });
    for (const id of t.placementIds) {
      if (seen.has(id)) out.push({ rule: 'once', detail: `placement ${id} on two trips` });
      seen.add(id);
    }
  }
  // Schedules.
  const byVehicle = new Map<number, PlannedTrip[]>();
  for (const t of r.trips) byVehicle.set(t.vehicleId, [...(byVehicle.get(t.vehicleId) ?? []), t]);
  for (const [vid, list] of byVehicle) {
    const v = vById.get(vid);
    if (!v) continue;
    list.sort((a, b) => a.sequence - b.sequence);
    let seq = v.nextSequence ?? 1;
    let free = Math.max(o.shiftStart, v.availableAt ?? o.shiftStart);
    let at = v.at ?? v.depotArea;
    for (const t of list) {
      if (t.sequence !== seq)
        out.push({ rule: 'sequence', detail: `${v.plate}: trip ${t.sequence} where ${seq} was due` });
      seq = t.sequence + 1;
      if (t.start < free)
        out.push({
          rule: 'overlap',
          detail: `${v.plate}: trip ${t.sequence} starts before the vehicle is free`,
        });
      if (t.from !== at)
        out.push({
          rule: 'continuity',
          detail: `${v.plate}: trip ${t.sequence} does not start where it was`,
        });
      const km = routeKm(dist, t.from, t.stops, t.siteArea);
      if (Math.abs(km - t.km) > 1e-6)
        out.push({
          rule: 'distance',
          detail: `${v.plate}: trip ${t.sequence} says ${t.km} km, route is ${km}`,
        });
      if (t.end - t.start < tripMinutes(o, km, t.stops.length) * MINUTE - 1)
        out.push({ rule: 'duration', detail: `${v.plate}: trip ${t.sequence} shorter than its route takes` });
      if (t.end > limit)
        out.push({ rule: 'window', detail: `${v.plate}: trip ${t.sequence} ends after the working window` });
      free = freeAfter(o, t.class, t.end);
      at = t.siteArea;
    }
  }
  for (const w of r.waiting) {
    if (seen.has(w.placementId))
      out.push({ rule: 'once', detail: `placement ${w.placementId} both on a trip and waiting` });
    seen.add(w.placementId);
  }
  for (const p of passengers)
    if (!seen.has(p.placementId)) out.push({ rule: 'complete', detail: `placement ${p.placementId} lost` });
  // Households together: all members of a household (same class and site) on one trip or all waiting.
  const tripOf = new Map<number, number>();
  r.trips.forEach((t, i) => {
    for (const id of t.placementIds) tripOf.set(id, i);
  });
  const households = new Map<string, Set<number | 'waiting'>>();
  for (const p of passengers) {
    if (p.isCase && p.severe) continue;
    const key = `${p.isCase}:${p.siteId}:${p.householdId}`;
    const set = households.get(key) ?? new Set();
    set.add(tripOf.get(p.placementId) ?? 'waiting');
    households.set(key, set);
  }
  for (const [key, set] of households)
    if (set.size > 1) out.push({ rule: 'household', detail: `household ${key} split over trips` });
  return out;
}
