import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AreaKm,
  checkTrips,
  type DispatchResult,
  insertUrgent,
  type Passenger,
  type PlannedTrip,
  planTrips,
  routeKm,
  type ScheduledTrip,
  tripMinutes,
  type Vehicle,
  withDefaults,
} from './dispatch.ts';
import { renderPhrase } from './phrase.ts';
import { schematicKm } from './placement.ts';

const SHIFT = Date.parse('2022-03-14T06:00:00+08:00');
const HOUR = 3_600_000;
const GRID = '220202001001001';
const SITE = '220204001001';

const passenger = (id: number, over: Partial<Passenger> = {}): Passenger => ({
  placementId: id,
  personId: id,
  householdId: id,
  isCase: false,
  severe: false,
  priority: false,
  areaCode: GRID,
  siteId: 1,
  siteArea: SITE,
  ...over,
});
const vehicle = (id: number, kind: Vehicle['kind'], seats: number, depotArea = '220202002'): Vehicle => ({
  id,
  kind,
  seats,
  plate: `吉B${String(id).padStart(5, '0')}`,
  depotArea,
});

describe('schematic distance index', () => {
  it('gives the same km as placement.schematicKm', () => {
    const code = fc
      .array(fc.constantFrom('0', '1', '2'), { minLength: 2, maxLength: 15 })
      .map((d) => `2${d.join('')}`.slice(0, 15));
    fc.assert(
      fc.property(fc.array(code, { minLength: 2, maxLength: 12 }), (codes) => {
        const km = new AreaKm();
        for (const a of codes) for (const b of codes) expect(km.km(a, b)).toBe(schematicKm(a, b));
      }),
      { numRuns: 300 },
    );
    expect(new AreaKm().km('220202000000', '220202001')).toBe(schematicKm('220202000000', '220202001'));
  });
});

describe('trip planning', () => {
  it('keeps cases and contacts apart, households together, severe cases alone in ambulances', () => {
    const people = [
      passenger(1, { householdId: 10 }),
      passenger(2, { householdId: 10 }),
      passenger(3, { householdId: 11, priority: true }),
      passenger(4, { isCase: true, householdId: 12 }),
      passenger(5, { isCase: true, severe: true, householdId: 13 }),
    ];
    const vehicles = [
      vehicle(1, 'bus', 30),
      vehicle(2, 'van', 7),
      vehicle(3, 'ambulance', 2),
      vehicle(4, 'negative_pressure_ambulance', 1),
    ];
    const o = { shiftStart: SHIFT };
    const r = planTrips(people, vehicles, o);
    expect(checkTrips(people, vehicles, r, o)).toEqual([]);
    expect(r.waiting).toEqual([]);
    expect(r.trips.find((t) => t.class === 'case_ambulance')).toMatchObject({
      vehicleId: 4,
      placementIds: [5],
      sequence: 1,
    });
    const contacts = r.trips.find((t) => t.class === 'contact') as PlannedTrip;
    expect([...contacts.placementIds].sort()).toEqual([1, 2, 3]);
    expect(contacts.vehicleId).toBe(1); // the largest vehicle chooses first
    expect(contacts.reason).toMatch(/contacts only: 3 of 30 seats in bus 吉B00001/);
    expect(contacts.reason).toMatch(/trip 1 of 吉B00001, 06:00–/);
    expect(renderPhrase(contacts.phrase ?? [], 'en')).toBe(contacts.reason);
    expect(renderPhrase(contacts.phrase ?? [], 'zh')).toMatch(
      /^吉B00001 第 1 趟，06:00–\d\d:\d\d，自车场出发共 [\d.]+ 公里：仅载接触者：大巴 吉B00001 30 座载 3 人，/,
    );
    const cases = r.trips.find((t) => t.class === 'case') as PlannedTrip;
    expect(cases.placementIds).toEqual([4]);
    expect([2, 3]).toContain(cases.vehicleId); // a van or the ordinary ambulance, never with contacts
    // Times follow from the route: depot → pickup → site at 30 km/h, 5 min loading, 10 min unloading.
    const km = routeKm(new AreaKm(), '220202002', [GRID], SITE);
    expect(contacts.km).toBe(km);
    expect(contacts.end - contacts.start).toBe(tripMinutes(withDefaults(o), km, 1) * 60_000);
  });

  it('gives a vehicle a sequence of trips through the day, with disinfection after cases', () => {
    // 12 case households and 12 contact households, one 4-seat van: several trips each class.
    const people = [
      ...Array.from({ length: 12 }, (_, i) => passenger(i + 1, { isCase: true, householdId: 100 + i })),
      ...Array.from({ length: 12 }, (_, i) => passenger(i + 13, { householdId: 200 + i, siteId: 2 })),
    ];
    const vehicles = [vehicle(1, 'van', 4)];
    const o = { shiftStart: SHIFT };
    const r = planTrips(people, vehicles, o);
    expect(checkTrips(people, vehicles, r, o)).toEqual([]);
    expect(r.waiting).toEqual([]);
    expect(r.trips.map((t) => t.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < r.trips.length; i++) {
      const prev = r.trips[i - 1] as PlannedTrip;
      const t = r.trips[i] as PlannedTrip;
      expect(t.from).toBe(prev.siteArea);
      expect(t.start).toBe(prev.class === 'contact' ? prev.end : prev.end + 30 * 60_000);
    }
    expect(r.trips.filter((t) => t.class === 'case').length).toBe(3);
  });

  it('lists who cannot be moved, with the reason', () => {
    const o = { shiftStart: SHIFT, windowHours: 2 };
    const r = planTrips(
      [
        passenger(1, { isCase: true, severe: true }),
        ...Array.from({ length: 20 }, (_, i) =>
          passenger(i + 2, { householdId: 50 + i, areaCode: `2202020${i % 9}1001001` }),
        ),
        ...Array.from({ length: 9 }, (_, i) => passenger(i + 30, { householdId: 99 })),
      ],
      [vehicle(1, 'bus', 8)],
      o,
    );
    const reasons = new Map(r.waiting.map((w) => [w.placementId, w.reason]));
    expect(reasons.get(1)).toBe('no ambulance in the fleet for a severe case');
    expect(reasons.get(30)).toBe('household of 9 larger than any bus or van (8 seats)');
    expect([...reasons.values()]).toContain("the fleet's working day is full (window ends 08:00)");
    expect(r.trips.length).toBeGreaterThan(0);
    expect(r.trips.every((t) => t.end <= SHIFT + 2 * HOUR)).toBe(true);
  });

  it('serves destinations with special groups first', () => {
    const people = [
      passenger(1, { siteId: 1, householdId: 1 }),
      passenger(2, { siteId: 2, householdId: 2, priority: true }),
    ];
    const r = planTrips(people, [vehicle(1, 'van', 1)], { shiftStart: SHIFT });
    expect(r.trips.map((t) => t.placementIds[0])).toEqual([2, 1]);
  });

  it('the checker catches overlapping trips, over-full vehicles, mixing and a split household', () => {
    const people = [
      passenger(1, { householdId: 1 }),
      passenger(2, { householdId: 1 }),
      passenger(3, { householdId: 3, isCase: true }),
    ];
    const vehicles = [vehicle(1, 'van', 2), vehicle(2, 'van', 2)];
    const o = { shiftStart: SHIFT };
    const good = planTrips(people, vehicles, o);
    expect(checkTrips(people, vehicles, good, o)).toEqual([]);
    const clone = (): DispatchResult => structuredClone(good);
    const rules = (r: DispatchResult) => checkTrips(people, vehicles, r, o).map((v) => v.rule);
    // Overlap: both trips on vehicle 1, the second starting before the first has ended.
    const overlap = clone();
    const [a, b] = overlap.trips as [PlannedTrip, PlannedTrip];
    b.vehicleId = a.vehicleId;
    b.sequence = a.sequence + 1;
    b.from = a.siteArea;
    b.km = routeKm(new AreaKm(), b.from, b.stops, b.siteArea);
    b.start = a.start;
    b.end = a.start + tripMinutes(withDefaults(o), b.km, b.stops.length) * 60_000;
    expect(rules(overlap)).toContain('overlap');
    // Seats and mixing: everyone in one van.
    const full = clone();
    const t0 = full.trips[0] as PlannedTrip;
    t0.placementIds = [1, 2, 3];
    full.trips = [t0];
    expect(rules(full)).toEqual(expect.arrayContaining(['seats', 'mixing']));
    // A household split: one member moved off the trip into the waiting list.
    const split = clone();
    const contactTrip = split.trips.find((t) => t.class === 'contact') as PlannedTrip;
    contactTrip.placementIds = [1];
    split.waiting.push({ placementId: 2, reason: 'x' });
    expect(rules(split)).toContain('household');
    // A trip claiming to be quicker than its route.
    const fast = clone();
    (fast.trips[0] as PlannedTrip).end -= 10 * 60_000;
    expect(rules(fast)).toContain('duration');
    // A severe case in a van.
    const sev = [passenger(1, { isCase: true, severe: true })];
    expect(
      checkTrips(
        sev,
        vehicles,
        {
          trips: [{ ...(good.trips[0] as PlannedTrip), placementIds: [1], class: 'case_ambulance' }],
          waiting: [],
        },
        o,
      ).map((v) => v.rule),
    ).toContain('ambulance');
  });
});

const AREAS = ['220202001001001', '220202001002001', '220202002001001', '220203001001001', '220211001001001'];
const SITES = ['220202001003', '220203002001', '220221001001', '220202002002'];

const peopleArb = fc.array(
  fc.record({
    household: fc.integer({ min: 1, max: 40 }),
    isCase: fc.boolean(),
    severe: fc.boolean(),
    priority: fc.boolean(),
    site: fc.integer({ min: 1, max: 4 }),
    area: fc.integer({ min: 0, max: AREAS.length - 1 }),
  }),
  { maxLength: 150 },
);
const fleetArb = fc.array(
  fc.record({
    kind: fc.constantFrom('bus', 'van', 'car', 'ambulance', 'negative_pressure_ambulance'),
    seats: fc.integer({ min: 1, max: 45 }),
    depot: fc.integer({ min: 0, max: AREAS.length - 1 }),
  }),
  { maxLength: 12 },
);
const optionsArb = fc.record({
  windowHours: fc.integer({ min: 1, max: 16 }),
  speedKmh: fc.integer({ min: 10, max: 60 }),
  ambulancesCarryCases: fc.boolean(),
});

function build(
  ps: {
    household: number;
    isCase: boolean;
    severe: boolean;
    priority: boolean;
    site: number;
    area: number;
  }[],
  vs: { kind: string; seats: number; depot: number }[],
): { people: Passenger[]; vehicles: Vehicle[] } {
  // A household lives at one address; its members share class and site as the placement engine places them.
  const home = new Map<number, (typeof ps)[number]>();
  for (const p of ps) if (!home.has(p.household)) home.set(p.household, p);
  const people = ps.map((p, i) => {
    const h = home.get(p.household) as (typeof ps)[number];
    return passenger(i + 1, {
      householdId: p.household,
      isCase: h.isCase,
      severe: h.isCase && p.severe,
      priority: p.priority,
      siteId: h.site,
      siteArea: SITES[h.site - 1] as string,
      areaCode: AREAS[h.area] as string,
    });
  });
  const vehicles = vs.map((v, i) => vehicle(i + 1, v.kind as Vehicle['kind'], v.seats, AREAS[v.depot]));
  return { people, vehicles };
}

describe('trip planning properties', () => {
  it('never breaks a hard rule and is deterministic, over random people, fleets and windows', () => {
    fc.assert(
      fc.property(peopleArb, fleetArb, optionsArb, (ps, vs, opt) => {
        const { people, vehicles } = build(ps, vs);
        const o = { shiftStart: SHIFT, ...opt };
        const r = planTrips(people, vehicles, o);
        expect(checkTrips(people, vehicles, r, o)).toEqual([]);
        expect(planTrips([...people].reverse(), vehicles, o)).toEqual(r);
        // Nobody waits for a full day while a vehicle that could take them did nothing at all.
        if (r.waiting.some((w) => w.reason.startsWith("the fleet's working day is full"))) {
          const idle = vehicles.filter(
            (v) =>
              !r.trips.some((t) => t.vehicleId === v.id) &&
              (v.kind === 'bus' || v.kind === 'van' || v.kind === 'car'),
          );
          for (const v of idle) {
            const waitingPeople = r.waiting.map((w) => people[w.placementId - 1] as Passenger);
            const fitsSomeone = waitingPeople.some((p) => {
              const size = people.filter(
                (q) => q.householdId === p.householdId && q.isCase === p.isCase,
              ).length;
              const km = routeKm(new AreaKm(), v.depotArea, [p.areaCode], p.siteArea);
              return (
                !p.severe && size <= v.seats && tripMinutes(withDefaults(o), km, 1) <= o.windowHours * 60
              );
            });
            expect(fitsSomeone).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every rule after inserting an urgent household into a plan', () => {
    fc.assert(
      fc.property(
        peopleArb,
        fleetArb,
        optionsArb,
        fc.record({
          size: fc.integer({ min: 1, max: 4 }),
          isCase: fc.boolean(),
          severe: fc.boolean(),
          site: fc.integer({ min: 1, max: 4 }),
          area: fc.integer({ min: 0, max: AREAS.length - 1 }),
          after: fc.integer({ min: 0, max: 10 * 60 }),
          departed: fc.integer({ min: 0, max: 5 }),
        }),
        (ps, vs, opt, u) => {
          const { people, vehicles } = build(ps, vs);
          const o = { shiftStart: SHIFT, ...opt };
          const plan = planTrips(people, vehicles, o);
          const severe = u.isCase && u.severe;
          const household = Array.from({ length: severe ? 1 : u.size }, (_, i) =>
            passenger(1000 + i, {
              householdId: 9999,
              isCase: u.isCase,
              severe,
              siteId: u.site,
              siteArea: SITES[u.site - 1] as string,
              areaCode: AREAS[u.area] as string,
            }),
          );
          const scheduled: ScheduledTrip[] = plan.trips.map((t, i) => ({
            ...t,
            id: i,
            status: i < u.departed ? 'departed' : 'planned',
            passengers: t.placementIds.length,
          }));
          const now = SHIFT + u.after * 60_000;
          const ins = insertUrgent(household, vehicles, scheduled, o, now);
          const after: DispatchResult = structuredClone(plan);
          if (ins.kind === 'none')
            for (const p of household) after.waiting.push({ placementId: p.placementId, reason: ins.reason });
          else if (ins.kind === 'existing') {
            const t = after.trips[ins.tripId] as PlannedTrip;
            expect((scheduled[ins.tripId] as ScheduledTrip).status).toBe('planned');
            t.placementIds.push(...household.map((p) => p.placementId));
            Object.assign(t, { stops: ins.stops, km: ins.km, start: ins.start, end: ins.end });
            for (const s of ins.shifted)
              Object.assign(after.trips[s.id] as PlannedTrip, { start: s.start, end: s.end });
            expect(ins.addedKm).toBeGreaterThanOrEqual(0);
          } else {
            expect(ins.start).toBeGreaterThanOrEqual(now);
            after.trips.push({
              vehicleId: ins.vehicleId,
              sequence: ins.sequence,
              class: ins.class,
              siteId: u.site,
              siteArea: SITES[u.site - 1] as string,
              placementIds: household.map((p) => p.placementId),
              stops: ins.stops,
              from: ins.from,
              start: ins.start,
              end: ins.end,
              km: ins.km,
              reason: ins.reason,
            });
          }
          expect(checkTrips([...people, ...household], vehicles, after, o)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('urgent insertion', () => {
  const o = { shiftStart: SHIFT };
  const base = (): { people: Passenger[]; vehicles: Vehicle[]; trips: ScheduledTrip[] } => {
    const people = [
      passenger(1, { householdId: 1 }),
      passenger(2, { householdId: 2, areaCode: '220202001002001' }),
    ];
    const vehicles = [
      vehicle(1, 'bus', 30, GRID),
      vehicle(2, 'van', 7, '220211001'),
      vehicle(3, 'ambulance', 2),
    ];
    const plan = planTrips(people, vehicles, o);
    const trips = plan.trips.map((t, i) => ({
      ...t,
      id: 100 + i,
      status: 'planned' as const,
      passengers: t.placementIds.length,
    }));
    return { people, vehicles, trips };
  };

  it('joins the planned trip to the same site with free seats when that adds the fewest km', () => {
    const { vehicles, trips } = base();
    expect(trips).toHaveLength(1);
    const ins = insertUrgent(
      [passenger(9, { householdId: 9, areaCode: '220202001001002' })],
      vehicles,
      trips,
      o,
      SHIFT,
    );
    expect(ins).toMatchObject({ kind: 'existing', tripId: 100 });
    if (ins.kind !== 'existing') return;
    expect(ins.addedKm).toBeLessThan(routeKm(new AreaKm(), GRID, ['220202001001002'], SITE));
    expect(ins.reason).toMatch(/trip 1 of 吉B00001 \(2 → 3 of 30 seats\)/);
    expect(ins.reason).toMatch(/a new trip would add/);
  });

  it('does not touch a departed trip, and opens a new trip instead', () => {
    const { vehicles, trips } = base();
    (trips[0] as ScheduledTrip).status = 'departed';
    const ins = insertUrgent([passenger(9, { householdId: 9 })], vehicles, trips, o, SHIFT + HOUR);
    expect(ins.kind).toBe('new');
    if (ins.kind !== 'new') return;
    expect(ins.start).toBeGreaterThanOrEqual(SHIFT + HOUR);
    expect(ins.reason).toMatch(/no planned contact trip to site 1 has 1 free seat/);
  });

  it('never puts a contact with cases, nor a severe case anywhere but alone in an ambulance', () => {
    const { vehicles, trips } = base();
    const c = insertUrgent([passenger(9, { isCase: true, householdId: 9 })], vehicles, trips, o, SHIFT);
    expect(c.kind).toBe('new');
    const s = insertUrgent(
      [passenger(10, { isCase: true, severe: true, householdId: 10 })],
      vehicles,
      trips,
      o,
      SHIFT,
    );
    expect(s).toMatchObject({ kind: 'new', vehicleId: 3, class: 'case_ambulance' });
    const none = insertUrgent(
      [passenger(10, { isCase: true, severe: true, householdId: 10 })],
      vehicles.filter((v) => v.kind !== 'ambulance'),
      trips,
      o,
      SHIFT,
    );
    expect(none).toMatchObject({ kind: 'none', reason: 'no ambulance in the fleet for a severe case' });
    expect(renderPhrase(none.phrase ?? [], 'zh')).toBe('车队中没有可运送重症病例的救护车');
  });

  it('moves the later trips of the vehicle when a trip grows, and refuses when the day would overflow', () => {
    const people = [
      passenger(1, { householdId: 1 }),
      passenger(2, { householdId: 2, isCase: true, siteId: 2, siteArea: '220221001001' }),
    ];
    const vehicles = [vehicle(1, 'van', 7, GRID)];
    const plan = planTrips(people, vehicles, o);
    expect(plan.trips).toHaveLength(2);
    const trips = plan.trips.map((t, i) => ({
      ...t,
      id: i,
      status: 'planned' as const,
      passengers: t.placementIds.length,
    }));
    const first = trips[0] as ScheduledTrip;
    const joiner = passenger(9, {
      householdId: 9,
      isCase: first.class === 'case',
      siteId: first.siteId,
      siteArea: first.siteArea,
      areaCode: '220211001001001', // far away: the trip grows
    });
    const ins = insertUrgent([joiner], vehicles, trips, o, SHIFT);
    expect(ins.kind).toBe('existing');
    if (ins.kind !== 'existing') return;
    expect(ins.shifted).toHaveLength(1);
    expect(ins.shifted[0]?.start).toBeGreaterThan((trips[1] as ScheduledTrip).start);
    // The same with a window that ends right after the second trip: no room.
    const tight = { ...o, windowHours: ((trips[1] as ScheduledTrip).end - SHIFT) / HOUR };
    expect(insertUrgent([joiner], vehicles, trips, tight, SHIFT).kind).toBe('none');
  });
});
