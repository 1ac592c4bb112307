import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTrips, type Passenger, planTrips, type Vehicle } from './dispatch.ts';

const passenger = (id: number, over: Partial<Passenger> = {}): Passenger => ({
  placementId: id,
  personId: id,
  householdId: id,
  isCase: false,
  severe: false,
  priority: false,
  areaCode: '220202001001001',
  siteId: 1,
  ...over,
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
    const vehicles: Vehicle[] = [
      { id: 1, kind: 'bus', seats: 30, plate: '吉B00001' },
      { id: 2, kind: 'van', seats: 7, plate: '吉B00002' },
      { id: 3, kind: 'ambulance', seats: 2, plate: '吉B00003' },
      { id: 4, kind: 'negative_pressure_ambulance', seats: 1, plate: '吉B00004' },
    ];
    const r = planTrips(people, vehicles);
    expect(checkTrips(people, vehicles, r)).toEqual([]);
    expect(r.trips.find((t) => t.class === 'case_ambulance')).toMatchObject({
      vehicleId: 4,
      placementIds: [5],
    });
    const contacts = r.trips.find((t) => t.class === 'contact');
    expect(contacts?.placementIds).toEqual([3, 1, 2]); // the priority household first
    // Cases are served first and take the smallest vehicle that fits (the van); the contacts get the bus.
    expect(r.trips.find((t) => t.class === 'case')).toMatchObject({ vehicleId: 2, placementIds: [4] });
    expect(contacts?.vehicleId).toBe(1);
    expect(contacts?.reason).toMatch(/contacts only: 3 of 30 seats in bus 吉B00001/);
  });

  it('says who waits when vehicles run out', () => {
    const r = planTrips(
      [passenger(1, { isCase: true, severe: true })],
      [{ id: 1, kind: 'bus', seats: 40, plate: 'X' }],
    );
    expect(r.waiting).toEqual([{ placementId: 1, reason: 'no free ambulance for a severe case' }]);
  });

  it('never breaks a hard rule (property over random people and fleets)', () => {
    const pArb = fc.array(
      fc.record({
        household: fc.integer({ min: 1, max: 40 }),
        isCase: fc.boolean(),
        severe: fc.boolean(),
        priority: fc.boolean(),
        site: fc.integer({ min: 1, max: 4 }),
        area: fc.constantFrom('220202001001001', '220202002001001', '220203001001001'),
      }),
      { maxLength: 150 },
    );
    const vArb = fc.array(
      fc.record({
        kind: fc.constantFrom('bus', 'van', 'car', 'ambulance', 'negative_pressure_ambulance'),
        seats: fc.integer({ min: 1, max: 45 }),
      }),
      { maxLength: 20 },
    );
    fc.assert(
      fc.property(pArb, vArb, (ps, vs) => {
        const people = ps.map((p, i) =>
          passenger(i + 1, {
            householdId: p.household,
            isCase: p.isCase,
            severe: p.isCase && p.severe,
            priority: p.priority,
            siteId: p.site,
            areaCode: p.area,
          }),
        );
        const vehicles = vs.map((v, i) => ({
          id: i + 1,
          kind: v.kind as Vehicle['kind'],
          seats: v.seats,
          plate: `P${i}`,
        }));
        const r = planTrips(people, vehicles);
        expect(checkTrips(people, vehicles, r)).toEqual([]);
        expect(planTrips([...people].reverse(), vehicles)).toEqual(r); // deterministic
      }),
      { numRuns: 300 },
    );
  });
});
