/**
 * Placement (安置): who goes to which quarantine room, shelter-hospital bed or designated-hospital bed. Pure:
 * no I/O, no clock (pass `now` for waiting times in the reasons), fully deterministic for the same input in
 * any order.
 *
 * Hard rules (checked by `checkPlacement`):
 * - H1 cases go only to beds: asymptomatic, mild and unclassified cases to a shelter-hospital bed; moderate,
 *   severe, critical and high-risk cases (age ≥ 60 with a chronic illness, pregnant) to a designated-hospital
 *   bed. With no bed of the right kind free the case waits: never a quarantine room, never the other kind of
 *   hospital.
 * - H2 contacts (close, secondary) go only to rooms of quarantine sites (hotel, training centre, party
 *   school, public housing, prefab), never to beds. Rooms of hospital sites and beds of quarantine sites are
 *   not used at all.
 * - H3 a room holds at most its capacity (a bed one person); one assignment per unit; each person at most
 *   once, and every person is either assigned or waiting.
 * - H4 a room is shared only by members of one household and one category.
 * - H5 a household group (same household, same category) of contacts with a child (< 14), an elderly (≥ 60)
 *   or a disabled member goes together into one room of capacity ≥ its size; failing that, the vulnerable
 *   members stay with one adult carer (18–59) of the household in one room and the others get rooms of their
 *   own; failing that, the whole group waits. Other contacts get a room each (several contacts share a room
 *   only in those two cases).
 *
 * Preferences (not hard rules):
 * - Order: clinical need first among cases (critical, severe, moderate before others: the designated-hospital
 *   beds go to the sickest), then priority placement (从优安置: elderly, children, pregnant women, disabled; a
 *   household group counts when one member does), then the longest waiting (earliest `waitingSince`), then
 *   the lowest id.
 * - Nearest site by `schematicKm` (a distance proxy from the area-code hierarchy). Within the nearest
 *   distance band: a household with a disabled member takes accessible units first; then the smallest
 *   adequate capacity; priority requests take the best `quality`, others the plainest (better rooms are kept
 *   for later priority arrivals); others avoid accessible units. Among sites of the same band and unit class
 *   the lowest site id wins.
 * - Within a site, the elderly and the disabled get the lowest free floor; others the highest (low floors are
 *   kept).
 * - A contact placed alone takes a capacity-1 room whenever one is free anywhere; only with none left a
 *   larger room (nearest, then smallest), and the reason says so.
 * - Quality is a 0..2 grade (rounded; unrated units count as 1). Unit capacity is floored; units with
 *   capacity < 1 are ignored. Person and unit ids must be unique (a RangeError otherwise).
 */

import { english, type Phrase, type PhraseKey, phrase } from './phrase.ts';

export type Category = 'case' | 'close' | 'secondary';
export type Severity = 'unclassified' | 'asymptomatic' | 'mild' | 'moderate' | 'severe' | 'critical';

export interface WaitingPerson {
  id: number;
  category: Category;
  /** For cases; a case without one counts as unclassified (shelter hospital unless high-risk). */
  severity?: Severity;
  householdId: number;
  age: number;
  sex: 'M' | 'F';
  pregnant: boolean;
  disabled: boolean;
  chronicIllness: boolean;
  /** Where they are now: grid code (15 digits) or community code (12). */
  areaCode: string;
  /** When they were found. */
  waitingSince: Date;
}

export type UnitKind = 'room' | 'bed';
export type SiteKind =
  | 'hotel'
  | 'training_centre'
  | 'party_school'
  | 'public_housing'
  | 'prefab'
  | 'shelter_hospital'
  | 'designated_hospital';

export interface Unit {
  id: number;
  kind: UnitKind;
  siteId: number;
  siteKind: SiteKind;
  siteAreaCode: string;
  /** Beds have capacity 1; rooms 1–8. */
  capacity: number;
  floor?: number;
  accessible?: boolean;
  /** 0..2, higher = better room, for priority placement (从优安置). */
  quality?: number;
  /** The room number or bed label people see; the id when absent. */
  label?: string;
  /** The site's name; "site <id>" when absent. */
  siteName?: string;
}

export interface Assignment {
  personIds: number[];
  unitId: number;
  /** Why this unit, in English. */
  reason: string;
  /** The same, as phrases (domain/phrase.ts) for any language. */
  phrase?: readonly Phrase[];
}

export interface Waiting {
  personId: number;
  /** What is missing, in English. */
  reason: string;
  /** The same, as phrases. */
  phrase?: readonly Phrase[];
  waitingSince: Date;
}

export interface PlacementResult {
  assignments: Assignment[];
  waiting: Waiting[];
}

export interface PlacementOptions {
  /** When given, waiting reasons say how long the person has waited. */
  now?: Date;
}

export interface Violation {
  rule: string;
  detail: string;
}

export const QUARANTINE_SITE_KINDS: readonly SiteKind[] = Object.freeze([
  'hotel',
  'training_centre',
  'party_school',
  'public_housing',
  'prefab',
]);
const QUARANTINE_KINDS: ReadonlySet<SiteKind> = new Set(QUARANTINE_SITE_KINDS);

export const CHILD_UNDER = 14;
export const ELDERLY_FROM = 60;
export const CARER_MIN_AGE = 18;
export const CARER_MAX_AGE = 59;
const CARER_AGES = `${CARER_MIN_AGE}–${CARER_MAX_AGE}`;

export const isChild = (p: Pick<WaitingPerson, 'age'>): boolean => p.age < CHILD_UNDER;
export const isElderly = (p: Pick<WaitingPerson, 'age'>): boolean => p.age >= ELDERLY_FROM;
/** Child, elderly or disabled: keeps the household (or one carer) with them (H5). */
export const isVulnerable = (p: Pick<WaitingPerson, 'age' | 'disabled'>): boolean =>
  isChild(p) || isElderly(p) || p.disabled;
/** Placed first and given the better rooms (从优安置). */
export const isPriority = (p: Pick<WaitingPerson, 'age' | 'disabled' | 'pregnant'>): boolean =>
  isVulnerable(p) || p.pregnant;
export const isCarer = (p: Pick<WaitingPerson, 'age' | 'disabled'>): boolean =>
  p.age >= CARER_MIN_AGE && p.age <= CARER_MAX_AGE && !p.disabled;
/** A high-risk patient: elderly with a chronic illness, or pregnant. */
export const isHighRisk = (p: Pick<WaitingPerson, 'age' | 'chronicIllness' | 'pregnant'>): boolean =>
  (isElderly(p) && p.chronicIllness) || p.pregnant;

const HOSPITAL_SEVERITIES: ReadonlySet<Severity> = new Set(['moderate', 'severe', 'critical']);

/** Where a case goes (H1). */
export function caseDestination(
  p: Pick<WaitingPerson, 'severity' | 'age' | 'chronicIllness' | 'pregnant'>,
): 'shelter_hospital' | 'designated_hospital' {
  return HOSPITAL_SEVERITIES.has(p.severity ?? 'unclassified') || isHighRisk(p)
    ? 'designated_hospital'
    : 'shelter_hospital';
}

// -----------------------------------------------------------------------------------------------------------
// Distance proxy

/** Boundaries of the area-code segments: province 2, city 4, district 6, street 9, community 12, grid 15. */
export const SEGMENT_ENDS = [2, 4, 6, 9, 12, 15] as const;
/** Distance bands, nearest first: the code length that must match, its km and its name. 0 = anywhere. */
const BAND_LENGTHS = [15, 12, 9, 6, 4, 0] as const;
export const BAND_KM = [0.5, 1, 3, 8, 25, 100] as const;

/** Strips trailing all-zero segments: a district padded to 12 digits ("220202000000") reads as "220202". */
export function normalizeArea(code: string): string {
  let c = code.trim();
  for (let i = SEGMENT_ENDS.length - 1; i > 0; i--) {
    const end = SEGMENT_ENDS[i] as number;
    const start = SEGMENT_ENDS[i - 1] as number;
    if (c.length === end && /^0+$/.test(c.slice(start))) c = c.slice(0, start);
  }
  return c;
}

function bandOf(a: string, b: string): number {
  for (let i = 0; i < BAND_LENGTHS.length - 1; i++) {
    const len = BAND_LENGTHS[i] as number;
    if (a.length >= len && b.length >= len && a.slice(0, len) === b.slice(0, len)) return i;
  }
  return BAND_LENGTHS.length - 1;
}

/**
 * Distance proxy in km from the area-code hierarchy (no coordinates exist yet): same grid 0.5, same
 * community 1, same street 3, same district 8, same city 25, otherwise 100. Both codes must reach a level for
 * it to count (a community code and a grid code of that community are 1 km apart); trailing all-zero
 * segments are ignored.
 */
export function schematicKm(fromArea: string, toArea: string): number {
  return BAND_KM[bandOf(normalizeArea(fromArea), normalizeArea(toArea))] as number;
}

// -----------------------------------------------------------------------------------------------------------
// Free-unit index: per pool (shelter beds, designated beds, quarantine rooms), unit classes (capacity,
// accessible, quality grade); per site and class a queue of free units sorted by floor then id; per distance
// band and area prefix, per class, the list of sites (by id) with a free unit of that class, with a pointer
// past exhausted ones.
// A search costs (bands × classes) lookups, independent of the number of units and sites.

interface UnitQueue {
  units: Unit[];
  head: number;
  tail: number;
}

interface SiteState {
  siteId: number;
  key: string;
  area: string;
  queues: (UnitQueue | undefined)[];
}

interface SiteList {
  sites: SiteState[];
  ptr: number;
}

interface Pool {
  caps: number[];
  free: number[];
  bands: Map<string, (SiteList | undefined)[]>[];
  orders: Map<string, number[]>;
}

interface Hit {
  unit: Unit;
  site: SiteState;
  band: number;
  cls: number;
}

interface Want {
  minCap: number;
  maxCap: number;
  /** Accessible units before anything else in a band (a disabled member). */
  accessibleFirst: boolean;
  /** Best quality first (priority); otherwise plainest first. */
  bestQuality: boolean;
  /** Lowest floor at the site (elderly, disabled); otherwise highest. */
  lowFloor: boolean;
}

const unitCapacity = (u: Unit): number => (u.kind === 'bed' ? 1 : Math.floor(u.capacity));

function qualityGrade(q: number | undefined): number {
  if (q === undefined || !Number.isFinite(q)) return 1;
  return Math.min(2, Math.max(0, Math.round(q)));
}

const cmp = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);

function buildPool(units: readonly Unit[]): Pool {
  const caps = [...new Set(units.map(unitCapacity))].sort((a, b) => a - b);
  const capIndex = new Map(caps.map((c, i) => [c, i]));
  const classCount = caps.length * 6;
  const free: number[] = new Array(classCount).fill(0);
  const byKey = new Map<string, SiteState>();
  for (const u of units) {
    const key = `${u.siteId}\u0000${u.siteAreaCode}`;
    let site = byKey.get(key);
    if (!site) {
      site = { siteId: u.siteId, key, area: normalizeArea(u.siteAreaCode), queues: [] };
      byKey.set(key, site);
    }
    const cls = (capIndex.get(unitCapacity(u)) ?? 0) * 6 + (u.accessible ? 3 : 0) + qualityGrade(u.quality);
    let q = site.queues[cls];
    if (!q) {
      q = { units: [], head: 0, tail: 0 };
      site.queues[cls] = q;
    }
    q.units.push(u);
    free[cls] = (free[cls] ?? 0) + 1;
  }
  const sites = [...byKey.values()].sort((a, b) => a.siteId - b.siteId || cmp(a.key, b.key));
  const bands = BAND_LENGTHS.map(() => new Map<string, (SiteList | undefined)[]>());
  for (const site of sites) {
    for (const q of site.queues) {
      if (!q) continue;
      q.units.sort((a, b) => (a.floor ?? Infinity) - (b.floor ?? Infinity) || a.id - b.id);
      q.tail = q.units.length;
    }
    BAND_LENGTHS.forEach((len, band) => {
      if (len > 0 && site.area.length < len) return;
      const prefix = site.area.slice(0, len);
      const map = bands[band] as Map<string, (SiteList | undefined)[]>;
      let lists = map.get(prefix);
      if (!lists) {
        lists = [];
        map.set(prefix, lists);
      }
      site.queues.forEach((q, cls) => {
        if (!q) return;
        let list = lists[cls];
        if (!list) {
          list = { sites: [], ptr: 0 };
          lists[cls] = list;
        }
        list.sites.push(site);
      });
    });
  }
  return { caps, free, bands, orders: new Map() };
}

/** The classes acceptable for a request, best first. */
function classOrder(pool: Pool, want: Want): number[] {
  const key = `${want.minCap}|${want.maxCap}|${want.accessibleFirst}|${want.bestQuality}`;
  const cached = pool.orders.get(key);
  if (cached) return cached;
  const entries: { cls: number; cap: number; acc: number; q: number }[] = [];
  pool.caps.forEach((cap, i) => {
    if (cap < want.minCap || cap > want.maxCap) return;
    for (let acc = 0; acc < 2; acc++) {
      for (let q = 0; q < 3; q++) entries.push({ cls: i * 6 + acc * 3 + q, cap, acc, q });
    }
  });
  entries.sort(
    (a, b) =>
      (want.accessibleFirst ? b.acc - a.acc : 0) ||
      a.cap - b.cap ||
      (want.bestQuality ? b.q - a.q : a.q - b.q) ||
      (want.accessibleFirst ? 0 : a.acc - b.acc),
  );
  const order = entries.map((e) => e.cls);
  pool.orders.set(key, order);
  return order;
}

function take(pool: Pool, area: string, want: Want): Hit | undefined {
  const order = classOrder(pool, want);
  if (!order.some((cls) => (pool.free[cls] ?? 0) > 0)) return undefined;
  for (let band = 0; band < BAND_LENGTHS.length; band++) {
    const len = BAND_LENGTHS[band] as number;
    if (len > 0 && area.length < len) continue;
    const lists = pool.bands[band]?.get(area.slice(0, len));
    if (!lists) continue;
    for (const cls of order) {
      if ((pool.free[cls] ?? 0) === 0) continue;
      const list = lists[cls];
      if (!list) continue;
      let site: SiteState | undefined;
      let q: UnitQueue | undefined;
      while (list.ptr < list.sites.length) {
        site = list.sites[list.ptr];
        q = site?.queues[cls];
        if (q && q.head < q.tail) break;
        list.ptr++;
      }
      if (!site || !q || list.ptr >= list.sites.length) continue;
      const unit = (want.lowFloor ? q.units[q.head++] : q.units[--q.tail]) as Unit;
      pool.free[cls] = (pool.free[cls] ?? 1) - 1;
      return { unit, site, band, cls };
    }
  }
  return undefined;
}

function largestFree(pool: Pool): number {
  let largest = 0;
  pool.free.forEach((n, cls) => {
    if (n > 0) largest = Math.max(largest, pool.caps[Math.floor(cls / 6)] ?? 0);
  });
  return largest;
}

const totalFree = (pool: Pool): number => pool.free.reduce((s, n) => s + n, 0);

// -----------------------------------------------------------------------------------------------------------
// Requests

interface Person {
  p: WaitingPerson;
  area: string;
  since: number;
}

type Request =
  | { kind: 'case'; person: Person }
  | { kind: 'single'; person: Person; householdSize: number }
  | { kind: 'family'; members: Person[] };

interface Keyed {
  req: Request;
  tier: number;
  priority: number;
  since: number;
  minId: number;
}

const SEVERITY_TIER: Readonly<Record<Severity, number>> = {
  critical: 0,
  severe: 1,
  moderate: 2,
  mild: 3,
  asymptomatic: 3,
  unclassified: 3,
};

const CATEGORY_LABEL: Readonly<Record<Category, string>> = {
  case: 'case',
  close: 'close contact',
  secondary: 'secondary contact',
};

const ages = (members: readonly WaitingPerson[]): string => members.map((m) => m.age).join(', ');

/** "a child (6) and an elderly member (72)". */
function describeVulnerable(members: readonly WaitingPerson[]): Phrase[] {
  const children = members.filter(isChild);
  const elderly = members.filter(isElderly);
  const disabled = members.filter((m) => m.disabled).length;
  const parts: Phrase[] = [];
  if (children.length === 1) parts.push(phrase('pl.vul_child', { age: (children[0] as WaitingPerson).age }));
  else if (children.length > 1) parts.push(phrase('pl.vul_children', { ages: ages(children) }));
  if (elderly.length === 1) parts.push(phrase('pl.vul_elderly', { age: (elderly[0] as WaitingPerson).age }));
  else if (elderly.length > 1) parts.push(phrase('pl.vul_elderlies', { ages: ages(elderly) }));
  if (disabled === 1) parts.push(phrase('pl.vul_disabled'));
  else if (disabled > 1) parts.push(phrase('pl.vul_disabled_n', { n: disabled }));
  return parts;
}

function priorityWho(members: readonly WaitingPerson[]): string {
  const who: string[] = [];
  if (members.some(isElderly)) who.push('elderly');
  if (members.some(isChild)) who.push('child');
  if (members.some((m) => m.pregnant)) who.push('pregnant');
  if (members.some((m) => m.disabled)) who.push('disabled');
  return who.join(', ');
}

const priorityPhrases = (members: readonly WaitingPerson[]): Phrase[] =>
  priorityWho(members)
    .split(', ')
    .map((w) => phrase(`pri.${w}` as PhraseKey));

const sitePhrase = (u: Unit): Phrase =>
  u.siteName ? phrase('pl.site_named', { name: u.siteName }) : phrase('pl.site', { id: u.siteId });

const unitLabel = (u: Unit): string | number => u.label ?? u.id;

/** "at site 12 (hotel), 3 km (same street)". */
function where(hit: Hit, area: string): Phrase {
  const band = bandOf(area, hit.site.area);
  return phrase('pl.where', {
    site: sitePhrase(hit.unit),
    kind: phrase(`kind.${hit.unit.siteKind}`),
    km: BAND_KM[band] as number,
    band: phrase(`band.${band}` as PhraseKey),
  });
}

/** "room 302 (capacity 3)". */
const roomLabel = (u: Unit): Phrase => phrase('pl.room', { unit: unitLabel(u), cap: unitCapacity(u) });

function notes(hit: Hit, members: readonly WaitingPerson[], want: Want): Phrase[] {
  const u = hit.unit;
  const out: Phrase[] = [];
  if (u.kind === 'room' && members.some(isChild) && !members.some(isCarer)) {
    out.push(phrase('pl.note_no_carer', { ages: CARER_AGES }));
  }
  if (want.accessibleFirst) out.push(phrase(u.accessible ? 'pl.note_accessible' : 'pl.note_not_accessible'));
  if (want.lowFloor && u.floor !== undefined) out.push(phrase('pl.note_floor', { floor: u.floor }));
  if (want.bestQuality && u.quality !== undefined) {
    out.push(phrase('pl.note_priority', { who: priorityPhrases(members), quality: u.quality }));
  }
  return out;
}

function wantFor(members: readonly WaitingPerson[], minCap: number, maxCap: number): Want {
  return {
    minCap,
    maxCap,
    accessibleFirst: members.some((m) => m.disabled),
    bestQuality: members.some(isPriority),
    lowFloor: members.some((m) => isElderly(m) || m.disabled),
  };
}

function caseNeed(p: WaitingPerson): Phrase {
  const sev = p.severity ?? 'unclassified';
  const sevWord = phrase(`sev.${sev}`);
  if (HOSPITAL_SEVERITIES.has(sev)) return phrase('pl.need', { sev: sevWord });
  const risks: Phrase[] = [];
  if (isElderly(p) && p.chronicIllness) risks.push(phrase('pl.risk_elderly_chronic', { age: p.age }));
  if (p.pregnant) risks.push(phrase('pl.risk_pregnant'));
  if (risks.length) return phrase('pl.need_high_risk', { sev: sevWord, risks });
  return sev === 'unclassified' ? phrase('pl.need_unclassified') : phrase('pl.need', { sev: sevWord });
}

function prepare(p: WaitingPerson): Person {
  const t = p.waitingSince.getTime();
  return { p, area: normalizeArea(p.areaCode), since: Number.isNaN(t) ? Infinity : t };
}

/** The area of a group: the most common among its members, ties to the smallest code. */
function groupArea(members: readonly Person[]): string {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.area, (counts.get(m.area) ?? 0) + 1);
  let best = '';
  let bestN = 0;
  for (const [area, n] of counts) {
    if (n > bestN || (n === bestN && area < best)) {
      best = area;
      bestN = n;
    }
  }
  return best;
}

function buildRequests(people: readonly WaitingPerson[]): Keyed[] {
  const seen = new Set<number>();
  const groups = new Map<string, Person[]>();
  const keyed: Keyed[] = [];
  for (const p of people) {
    if (seen.has(p.id)) throw new RangeError(`duplicate person id ${p.id}`);
    seen.add(p.id);
    const person = prepare(p);
    if (p.category === 'case') {
      keyed.push({
        req: { kind: 'case', person },
        tier: SEVERITY_TIER[p.severity ?? 'unclassified'] ?? 3,
        priority: isPriority(p) ? 0 : 1,
        since: person.since,
        minId: p.id,
      });
      continue;
    }
    const key = `${p.householdId}|${p.category}`;
    const g = groups.get(key);
    if (g) g.push(person);
    else groups.set(key, [person]);
  }
  for (const members of groups.values()) {
    members.sort((a, b) => a.p.id - b.p.id);
    if (members.some((m) => isVulnerable(m.p))) {
      keyed.push({
        req: { kind: 'family', members },
        tier: 3,
        priority: 0,
        since: Math.min(...members.map((m) => m.since)),
        minId: (members[0] as Person).p.id,
      });
      continue;
    }
    for (const person of members) {
      keyed.push({
        req: { kind: 'single', person, householdSize: members.length },
        tier: 3,
        priority: person.p.pregnant ? 0 : 1,
        since: person.since,
        minId: person.p.id,
      });
    }
  }
  keyed.sort(
    (a, b) => a.tier - b.tier || a.priority - b.priority || cmp(a.since, b.since) || a.minId - b.minId,
  );
  return keyed;
}

function chooseCarer(members: readonly Person[]): Person | undefined {
  const carers = members.filter((m) => isCarer(m.p));
  carers.sort(
    (a, b) =>
      Number(a.p.pregnant) - Number(b.p.pregnant) ||
      Number(a.p.chronicIllness) - Number(b.p.chronicIllness) ||
      a.p.id - b.p.id,
  );
  return carers[0];
}

function formatWait(since: Date, now: Date | undefined): Phrase[] {
  if (!now) return [];
  const min = Math.floor((now.getTime() - since.getTime()) / 60_000);
  if (!Number.isFinite(min) || min < 0) return [];
  return [
    min < 60
      ? phrase('pl.waiting_min', { min })
      : phrase('pl.waiting_h', { h: Math.floor(min / 60), min: min % 60 }),
  ];
}

// -----------------------------------------------------------------------------------------------------------
// Placement

interface Context {
  pools: { shelter: Pool; designated: Pool; rooms: Pool };
  assignments: Assignment[];
  /** Waiting reasons need the final counts: kept as closures and written at the end. */
  waiting: { person: WaitingPerson; reason: () => Phrase[] }[];
  shelterWaiting: Map<string, number>;
  counts: { shelter: number; designated: number; contacts: number };
}

function assign(ctx: Context, people: readonly WaitingPerson[], unit: Unit, parts: readonly Phrase[]): void {
  ctx.assignments.push({
    personIds: people.map((m) => m.id),
    unitId: unit.id,
    reason: english(parts),
    phrase: parts,
  });
}

function placeCase(ctx: Context, { p, area }: Person): void {
  const dest = caseDestination(p);
  const need = caseNeed(p);
  const want = wantFor([p], 1, 1);
  const shelter = dest === 'shelter_hospital';
  const hit = take(shelter ? ctx.pools.shelter : ctx.pools.designated, area, want);
  if (hit) {
    const bed = phrase(`pl.bed_${dest}`, { unit: unitLabel(hit.unit) });
    const main = phrase('pl.case_placed', {
      need,
      bed,
      where: where(hit, area),
      kind: phrase(`kind.${dest}`),
    });
    assign(ctx, [p], hit.unit, [main, ...notes(hit, [p], want)]);
    return;
  }
  if (shelter) {
    const sev = p.severity ?? 'unclassified';
    ctx.shelterWaiting.set(sev, (ctx.shelterWaiting.get(sev) ?? 0) + 1);
    ctx.counts.shelter++;
    ctx.waiting.push({
      person: p,
      reason: () => {
        const n = ctx.shelterWaiting.get(sev) ?? 0;
        const total = ctx.counts.shelter;
        const sevWord = phrase(`sev.${sev}`);
        return [
          total > n
            ? phrase('pl.wait_shelter_all', { need, n, sev: sevWord, total })
            : phrase('pl.wait_shelter', { need, n, sev: sevWord }),
        ];
      },
    });
    return;
  }
  ctx.counts.designated++;
  ctx.waiting.push({
    person: p,
    reason: () => [
      phrase('pl.wait_designated', { need, n: ctx.counts.designated }),
      ...(totalFree(ctx.pools.shelter) > 0 ? [phrase('pl.shelter_not_for_it')] : []),
    ],
  });
}

/** A contact alone: a capacity-1 room if any is free, else the nearest larger room, else waiting. */
function placeSingle(ctx: Context, person: Person, prefix: Phrase): void {
  const { p, area } = person;
  const single = wantFor([p], 1, 1);
  let hit = take(ctx.pools.rooms, area, single);
  if (hit) {
    const main = phrase('pl.single_placed', { prefix, unit: unitLabel(hit.unit), where: where(hit, area) });
    assign(ctx, [p], hit.unit, [main, ...notes(hit, [p], single)]);
    return;
  }
  const larger = wantFor([p], 2, Infinity);
  hit = take(ctx.pools.rooms, area, larger);
  if (hit) {
    const main = phrase('pl.larger_placed', { prefix, room: roomLabel(hit.unit), where: where(hit, area) });
    assign(ctx, [p], hit.unit, [main, ...notes(hit, [p], larger)]);
    return;
  }
  ctx.counts.contacts++;
  ctx.waiting.push({
    person: p,
    reason: () => [phrase('pl.wait_room', { prefix, n: ctx.counts.contacts })],
  });
}

/** A household group with a child, an elderly or a disabled member (H5). */
function placeFamily(ctx: Context, members: readonly Person[]): void {
  const all = members.map((m) => m.p);
  const area = groupArea(members);
  const n = members.length;
  const cat = phrase(`cat.${(members[0] as Person).p.category}`);
  const head = phrase('pl.family_head', { cat, n, who: describeVulnerable(all) });
  const want = wantFor(all, n, Infinity);
  const hit = take(ctx.pools.rooms, area, want);
  if (hit) {
    const cap = unitCapacity(hit.unit);
    const unit = unitLabel(hit.unit);
    const main =
      n > 1
        ? phrase('pl.family_placed_family', {
            head,
            room: phrase('pl.family_room', { unit, cap }),
            where: where(hit, area),
          })
        : phrase('pl.family_placed', { head, room: roomLabel(hit.unit), where: where(hit, area) });
    assign(ctx, all, hit.unit, [main, ...notes(hit, all, want)]);
    return;
  }
  const vulnerable = members.filter((m) => isVulnerable(m.p));
  const them = describeVulnerable(vulnerable.map((m) => m.p));
  const carer = chooseCarer(members.filter((m) => !isVulnerable(m.p)));
  let failure = phrase('pl.no_room_for_all', { n });
  if (!carer) {
    failure = phrase('pl.fail_no_carer', { n, ages: CARER_AGES, who: them });
  } else if (vulnerable.length + 1 < n) {
    const sub = [...vulnerable, carer].sort((a, b) => a.p.id - b.p.id);
    const subPeople = sub.map((m) => m.p);
    const subWant = wantFor(subPeople, sub.length, Infinity);
    const subArea = groupArea(sub);
    const subHit = take(ctx.pools.rooms, subArea, subWant);
    if (subHit) {
      const others = members.filter((m) => !sub.includes(m));
      const main = phrase('pl.family_split', {
        head,
        n,
        who: them,
        carer: carer.p.id,
        age: carer.p.age,
        room: roomLabel(subHit.unit),
        where: where(subHit, subArea),
        m: sub.length,
      });
      const rest = phrase('pl.others_apart', { k: others.length });
      assign(ctx, subPeople, subHit.unit, [main, rest, ...notes(subHit, subPeople, subWant)]);
      const prefix = phrase('pl.apart_prefix', { cat, n, carer: carer.p.id, unit: unitLabel(subHit.unit) });
      for (const other of others) placeSingle(ctx, other, prefix);
      return;
    }
    failure = phrase('pl.fail_no_sub_room', { n, who: them, m: sub.length });
  }
  for (const m of members) {
    ctx.waiting.push({
      person: m.p,
      reason: () => {
        const largest = largestFree(ctx.pools.rooms);
        const left = largest ? phrase('pl.largest_free', { cap: largest }) : phrase('pl.no_room_at_all');
        return [phrase('pl.family_wait', { head, failure, left })];
      },
    });
  }
}

/**
 * Places everyone it can: one pass in priority order, each request taking the best free unit from an index
 * (O((people + units) · log) overall). Everyone ends in exactly one assignment or one waiting entry.
 */
export function placeAll(
  people: readonly WaitingPerson[],
  units: readonly Unit[],
  options: PlacementOptions = {},
): PlacementResult {
  const unitIds = new Set<number>();
  for (const u of units) {
    if (unitIds.has(u.id)) throw new RangeError(`duplicate unit id ${u.id}`);
    unitIds.add(u.id);
  }
  const usable = units
    .filter((u) => Number.isFinite(u.capacity) && unitCapacity(u) >= 1)
    .sort((a, b) => a.id - b.id);
  const ctx: Context = {
    pools: {
      shelter: buildPool(usable.filter((u) => u.kind === 'bed' && u.siteKind === 'shelter_hospital')),
      designated: buildPool(usable.filter((u) => u.kind === 'bed' && u.siteKind === 'designated_hospital')),
      rooms: buildPool(usable.filter((u) => u.kind === 'room' && QUARANTINE_KINDS.has(u.siteKind))),
    },
    assignments: [],
    waiting: [],
    shelterWaiting: new Map(),
    counts: { shelter: 0, designated: 0, contacts: 0 },
  };
  for (const { req } of buildRequests(people)) {
    if (req.kind === 'case') placeCase(ctx, req.person);
    else if (req.kind === 'family') placeFamily(ctx, req.members);
    else {
      const cat = phrase(`cat.${req.person.p.category}`);
      const size = req.householdSize;
      const prefix = size > 1 ? phrase('pl.prefix_household', { cat, n: size }) : cat;
      placeSingle(ctx, req.person, prefix);
    }
  }
  return {
    assignments: ctx.assignments,
    waiting: ctx.waiting.map(({ person, reason }) => {
      const parts = [...reason(), ...formatWait(person.waitingSince, options.now)];
      return {
        personId: person.id,
        reason: english(parts),
        phrase: parts,
        waitingSince: person.waitingSince,
      };
    }),
  };
}

// -----------------------------------------------------------------------------------------------------------
// Verification

/**
 * Checks a result against the hard rules H1–H5 and completeness (everyone assigned or waiting exactly once).
 * Returns [] when the result is valid. Does not judge preferences (distance, quality, order).
 */
export function checkPlacement(
  people: readonly WaitingPerson[],
  units: readonly Unit[],
  result: PlacementResult,
): Violation[] {
  const v: Violation[] = [];
  const personById = new Map<number, WaitingPerson>();
  for (const p of people) {
    if (personById.has(p.id)) v.push({ rule: 'input', detail: `duplicate person id ${p.id}` });
    personById.set(p.id, p);
  }
  const unitById = new Map<number, Unit>();
  for (const u of units) {
    if (unitById.has(u.id)) v.push({ rule: 'input', detail: `duplicate unit id ${u.id}` });
    unitById.set(u.id, u);
  }
  const assignmentOf = new Map<number, Assignment>();
  const waitingIds = new Set<number>();
  const usedUnits = new Set<number>();
  const once = (id: number, at: string) => {
    if (assignmentOf.has(id) || waitingIds.has(id)) {
      v.push({ rule: 'H3', detail: `person ${id} appears more than once (again ${at})` });
      return false;
    }
    return true;
  };

  for (const a of result.assignments) {
    const unit = unitById.get(a.unitId);
    if (!a.reason.trim()) v.push({ rule: 'reason', detail: `assignment to unit ${a.unitId} has no reason` });
    if (!unit) {
      v.push({ rule: 'H3', detail: `unit ${a.unitId} does not exist` });
      continue;
    }
    if (usedUnits.has(unit.id)) v.push({ rule: 'H3', detail: `unit ${unit.id} is assigned more than once` });
    usedUnits.add(unit.id);
    if (a.personIds.length === 0) v.push({ rule: 'H3', detail: `unit ${unit.id} is assigned to nobody` });
    const cap = unit.kind === 'bed' ? 1 : Math.floor(unit.capacity);
    if (a.personIds.length > cap) {
      v.push({ rule: 'H3', detail: `unit ${unit.id} (capacity ${cap}) holds ${a.personIds.length} people` });
    }
    const occupants: WaitingPerson[] = [];
    for (const id of a.personIds) {
      const p = personById.get(id);
      if (!p) {
        v.push({ rule: 'complete', detail: `unit ${unit.id} holds unknown person ${id}` });
        continue;
      }
      if (once(id, `in unit ${unit.id}`)) assignmentOf.set(id, a);
      occupants.push(p);
      if (p.category === 'case') {
        const dest = caseDestination(p);
        if (unit.kind !== 'bed' || unit.siteKind !== dest) {
          const at = `${unit.kind} ${unit.id} at a ${unit.siteKind}`;
          v.push({ rule: 'H1', detail: `case ${id} (${caseNeed(p)}) is in ${at}, not in a ${dest} bed` });
        }
      } else if (unit.kind !== 'room' || !QUARANTINE_KINDS.has(unit.siteKind)) {
        v.push({
          rule: 'H2',
          detail: `${CATEGORY_LABEL[p.category]} ${id} is in ${unit.kind} ${unit.id} at a ${unit.siteKind}`,
        });
      }
    }
    const first = occupants[0];
    if (
      first &&
      occupants.some((o) => o.householdId !== first.householdId || o.category !== first.category)
    ) {
      v.push({
        rule: 'H4',
        detail: `unit ${unit.id} mixes households or categories: ${a.personIds.join(', ')}`,
      });
    }
    if (first && first.category !== 'case' && occupants.length > 1 && !occupants.some(isVulnerable)) {
      const who = a.personIds.join(', ');
      v.push({
        rule: 'H5',
        detail: `unit ${unit.id} is shared by contacts with no child, elderly or disabled: ${who}`,
      });
    }
  }

  for (const w of result.waiting) {
    const p = personById.get(w.personId);
    if (!p) {
      v.push({ rule: 'complete', detail: `unknown person ${w.personId} is waiting` });
      continue;
    }
    if (once(w.personId, 'waiting')) waitingIds.add(w.personId);
    if (!w.reason.trim()) v.push({ rule: 'reason', detail: `person ${w.personId} waits without a reason` });
    if (w.waitingSince.getTime() !== p.waitingSince.getTime() && !Number.isNaN(p.waitingSince.getTime())) {
      v.push({ rule: 'complete', detail: `person ${w.personId} waits since another time than found` });
    }
  }

  const groups = new Map<string, WaitingPerson[]>();
  for (const p of personById.values()) {
    if (!assignmentOf.has(p.id) && !waitingIds.has(p.id)) {
      v.push({ rule: 'complete', detail: `person ${p.id} is neither assigned nor waiting` });
    }
    if (p.category === 'case') continue;
    const key = `${p.householdId}|${p.category}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }

  for (const members of groups.values()) {
    const vulnerable = members.filter(isVulnerable);
    const v0 = vulnerable[0];
    if (!v0) continue;
    const hh = `household ${v0.householdId} (${CATEGORY_LABEL[v0.category]})`;
    if (vulnerable.some((m) => waitingIds.has(m.id))) {
      const placed = members.filter((m) => assignmentOf.has(m.id));
      if (placed.length) {
        v.push({
          rule: 'H5',
          detail: `${hh}: vulnerable members wait while ${placed.map((m) => m.id).join(', ')} are placed`,
        });
      }
      continue;
    }
    const room = assignmentOf.get(v0.id);
    if (!room) continue;
    if (vulnerable.some((m) => assignmentOf.get(m.id) !== room)) {
      v.push({ rule: 'H5', detail: `${hh}: the vulnerable members are split across rooms` });
      continue;
    }
    if (members.every((m) => assignmentOf.get(m.id) === room)) continue; // the whole group together
    const others = room.personIds
      .map((id) => personById.get(id))
      .filter((p): p is WaitingPerson => p !== undefined && !isVulnerable(p));
    const carer = others[0];
    if (others.length !== 1 || !carer || carer.age < CARER_MIN_AGE || carer.age > CARER_MAX_AGE) {
      const without = `with neither the household nor one carer (${CARER_AGES})`;
      v.push({ rule: 'H5', detail: `${hh}: the vulnerable members are in unit ${room.unitId} ${without}` });
    }
  }
  return v;
}
