import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPhrase } from './phrase.ts';
import {
  type Assignment,
  type Category,
  caseDestination,
  checkPlacement,
  type PlacementResult,
  placeAll,
  type Severity,
  type SiteKind,
  schematicKm,
  type Unit,
  type WaitingPerson,
} from './placement.ts';
import { Prng } from './prng.ts';

// Jilin city, Changyi district (220202): street 001, community 001, grid 001.
const GRID = '220202001001001';
const SAME_COMMUNITY = '220202001001';
const OTHER_GRID = '220202001001002';
const OTHER_COMMUNITY = '220202001002';
const OTHER_STREET = '220202002001';
const OTHER_DISTRICT = '220203001001';
const OTHER_CITY = '220102001001';
const OTHER_PROVINCE = '210102001001';
const T0 = new Date('2022-03-14T08:00:00+08:00');
const hours = (h: number) => new Date(T0.getTime() + h * 3600_000);

function person(id: number, over: Partial<WaitingPerson> = {}): WaitingPerson {
  return {
    id,
    category: 'close',
    householdId: id,
    age: 35,
    sex: 'M',
    pregnant: false,
    disabled: false,
    chronicIllness: false,
    areaCode: GRID,
    waitingSince: T0,
    ...over,
  };
}

function room(id: number, over: Partial<Unit> = {}): Unit {
  return {
    id,
    kind: 'room',
    siteId: 1,
    siteKind: 'hotel',
    siteAreaCode: SAME_COMMUNITY,
    capacity: 1,
    ...over,
  };
}

function bed(id: number, siteKind: SiteKind, over: Partial<Unit> = {}): Unit {
  return { id, kind: 'bed', siteId: 50, siteKind, siteAreaCode: SAME_COMMUNITY, capacity: 1, ...over };
}

function placed(result: PlacementResult, personId: number): Assignment | undefined {
  return result.assignments.find((a) => a.personIds.includes(personId));
}

function waitReason(result: PlacementResult, personId: number): string | undefined {
  return result.waiting.find((w) => w.personId === personId)?.reason;
}

/** Runs the placement and fails on any hard-rule violation. */
function place(people: WaitingPerson[], units: Unit[], now?: Date): PlacementResult {
  const result = placeAll(people, units, now ? { now } : undefined);
  expect(checkPlacement(people, units, result)).toEqual([]);
  return result;
}

describe('schematicKm', () => {
  it('reads distance from the area-code hierarchy', () => {
    expect(schematicKm(GRID, GRID)).toBe(0.5);
    expect(schematicKm(GRID, OTHER_GRID)).toBe(1);
    expect(schematicKm(GRID, SAME_COMMUNITY)).toBe(1);
    expect(schematicKm(GRID, OTHER_COMMUNITY)).toBe(3);
    expect(schematicKm(GRID, OTHER_STREET)).toBe(8);
    expect(schematicKm(GRID, OTHER_DISTRICT)).toBe(25);
    expect(schematicKm(GRID, OTHER_CITY)).toBe(100);
    expect(schematicKm(GRID, OTHER_PROVINCE)).toBe(100);
    expect(schematicKm(OTHER_DISTRICT, GRID)).toBe(25);
  });

  it('ignores zero padding: a district padded to 12 digits is the district', () => {
    expect(schematicKm(GRID, '220202000000')).toBe(8);
    expect(schematicKm('220202000000', '220202000000')).toBe(8);
    expect(schematicKm(GRID, '220202001000')).toBe(3);
  });
});

describe('H1: cases go to beds of the right hospital', () => {
  it('sends mild, asymptomatic and unclassified cases to the shelter hospital', () => {
    const people = [
      person(1, { category: 'case', severity: 'mild', age: 40 }),
      person(2, { category: 'case', severity: 'asymptomatic', age: 70 }), // elderly without chronic illness
      person(3, { category: 'case', age: 30 }),
    ];
    const units = [
      bed(10, 'shelter_hospital', { siteId: 7, siteAreaCode: OTHER_COMMUNITY }),
      bed(11, 'shelter_hospital', { siteId: 7, siteAreaCode: OTHER_COMMUNITY }),
      bed(12, 'shelter_hospital', { siteId: 7, siteAreaCode: OTHER_COMMUNITY }),
      bed(20, 'designated_hospital'),
      room(30, { capacity: 2 }),
    ];
    const r = place(people, units);
    expect(r.waiting).toEqual([]);
    expect(placed(r, 2)?.reason).toBe(
      'asymptomatic case: shelter-hospital bed 10 at site 7 (shelter hospital), 3 km (same street), ' +
        'nearest shelter hospital with a free bed',
    );
    expect(placed(r, 1)?.reason).toMatch(/^mild case: shelter-hospital bed 1[12] at site 7/);
    expect(placed(r, 3)?.reason).toMatch(/^unclassified case \(treated as mild\): shelter-hospital bed/);
  });

  it('sends moderate, severe, critical and high-risk cases to the designated hospital', () => {
    const people = [
      person(1, { category: 'case', severity: 'moderate' }),
      person(2, { category: 'case', severity: 'mild', age: 72, chronicIllness: true }),
      person(3, { category: 'case', severity: 'asymptomatic', sex: 'F', age: 29, pregnant: true }),
      person(4, { category: 'case', severity: 'critical' }),
    ];
    const units = [1, 2, 3, 4].map((i) => bed(20 + i, 'designated_hospital', { siteId: 3 }));
    units.push(...[1, 2, 3, 4].map((i) => bed(40 + i, 'shelter_hospital')));
    const r = place(people, units);
    expect(r.waiting).toEqual([]);
    for (const id of [1, 2, 3, 4]) expect(placed(r, id)?.unitId).toBeLessThan(30);
    expect(placed(r, 2)?.reason).toMatch(
      new RegExp(
        '^high-risk mild case \\(age 72 with a chronic illness\\): designated-hospital bed 2\\d ' +
          'at site 3 \\(designated hospital\\), 1 km \\(same community\\), ' +
          'nearest designated hospital with a free bed$',
      ),
    );
    expect(placed(r, 3)?.reason).toMatch(
      /^high-risk asymptomatic case \(pregnant\): designated-hospital bed/,
    );
    expect(caseDestination({ severity: 'severe', age: 30, chronicIllness: false, pregnant: false })).toBe(
      'designated_hospital',
    );
  });

  it('makes a case wait rather than use a quarantine room or the wrong hospital', () => {
    const people = [
      person(1, { category: 'case', severity: 'moderate' }),
      person(2, { category: 'case', severity: 'mild' }),
      person(3, { category: 'case', severity: 'mild' }),
      person(4, { category: 'case', severity: 'asymptomatic' }),
    ];
    const units = [bed(10, 'shelter_hospital', { capacity: 1 }), room(30, { capacity: 4 }), room(31)];
    const r = place(people, units, hours(14));
    expect(r.assignments).toHaveLength(1);
    expect(r.assignments[0]?.unitId).toBe(10);
    expect(waitReason(r, 1)).toBe(
      'moderate case: no free designated-hospital bed (1 case waiting for one); waiting 14 h 0 min',
    );
    // Mild 2 and 3 and asymptomatic 4 compete for one shelter bed: id 2 wins the tie (same waiting time).
    expect(placed(r, 2)?.unitId).toBe(10);
    expect(waitReason(r, 3)).toBe(
      'mild case: no free shelter-hospital bed (1 mild case waiting, 2 in all); waiting 14 h 0 min',
    );
    expect(waitReason(r, 4)).toBe(
      'asymptomatic case: no free shelter-hospital bed (1 asymptomatic case waiting, 2 in all); ' +
        'waiting 14 h 0 min',
    );
  });

  it('gives the last designated bed to the sickest, before an earlier high-risk case', () => {
    const people = [
      person(1, {
        category: 'case',
        severity: 'mild',
        age: 80,
        chronicIllness: true,
        waitingSince: hours(-5),
      }),
      person(2, { category: 'case', severity: 'critical', age: 45 }),
    ];
    const r = place(people, [bed(20, 'designated_hospital'), bed(30, 'shelter_hospital')]);
    expect(placed(r, 2)?.unitId).toBe(20);
    expect(waitReason(r, 1)).toBe(
      'high-risk mild case (age 80 with a chronic illness): no free designated-hospital bed ' +
        '(1 case waiting for one); shelter-hospital beds are not for it',
    );
  });
});

describe('H2: contacts go only to rooms of quarantine sites', () => {
  it('never uses beds or rooms of hospitals for contacts', () => {
    const people = [person(1), person(2, { category: 'secondary' })];
    const units = [
      bed(10, 'shelter_hospital'),
      bed(11, 'designated_hospital'),
      room(12, { siteKind: 'shelter_hospital', siteId: 9 }),
      room(13, { siteKind: 'prefab', siteId: 4 }),
    ];
    const r = place(people, units);
    expect(placed(r, 1)?.unitId).toBe(13);
    expect(placed(r, 1)?.reason).toBe(
      'close contact: single room 13 at site 4 (prefab), 1 km (same community), ' +
        'nearest with a free single room',
    );
    expect(waitReason(r, 2)).toBe(
      'secondary contact: no free quarantine room (1 contact waiting for a room)',
    );
  });
});

describe('H3/H4: capacity and separation', () => {
  it('never puts two households, or a close and a secondary contact, in one room', () => {
    const people = [
      person(1, { householdId: 7, age: 6 }),
      person(2, { householdId: 7, age: 35, category: 'secondary' }),
      person(3, { householdId: 8, age: 40 }),
    ];
    const r = place(people, [
      room(10, { capacity: 8 }),
      room(11, { capacity: 8 }),
      room(12, { capacity: 8 }),
    ]);
    expect(new Set(r.assignments.map((a) => a.unitId)).size).toBe(3);
    expect(placed(r, 1)?.personIds).toEqual([1]);
    // The child's household group (close contacts) has no adult: the reason flags it.
    expect(placed(r, 1)?.reason).toContain(
      'no adult carer (18–59) of this household and category with the child',
    );
  });
});

describe('H5: families with a child, an elderly or a disabled member', () => {
  const family = [
    person(1, { householdId: 5, age: 6 }),
    person(2, { householdId: 5, age: 35, sex: 'F' }),
    person(3, { householdId: 5, age: 38 }),
  ];

  it('places the household together in the nearest free family room', () => {
    const units = [
      room(101, { siteId: 1, siteAreaCode: OTHER_DISTRICT, capacity: 3 }),
      room(301, { siteId: 12, siteAreaCode: OTHER_COMMUNITY, capacity: 2 }),
      room(302, { siteId: 12, siteAreaCode: OTHER_COMMUNITY, capacity: 3 }),
      room(303, { siteId: 12, siteAreaCode: OTHER_COMMUNITY, capacity: 4 }),
      room(401, { siteId: 13, siteAreaCode: OTHER_COMMUNITY, capacity: 1 }),
    ];
    const r = place(family, units);
    expect(r.assignments).toMatchObject([
      {
        personIds: [1, 2, 3],
        unitId: 302,
        reason:
          'close contact, household of 3 with a child (6): family room 302 (capacity 3) ' +
          'at site 12 (hotel), 3 km (same street), nearest with a free family room',
      },
    ]);
    expect(renderPhrase(r.assignments[0]?.phrase ?? [], 'zh')).toBe(
      '密切接触者，同户 3 人，含儿童（6 岁）：家庭房 302（可住 3 人），12 号隔离点（隔离酒店），约 3 公里（同一街道），' +
        '最近的有空家庭房的隔离点',
    );
  });

  it('prefers a nearer larger room to a farther exact fit', () => {
    const units = [
      room(1, { siteId: 1, siteAreaCode: OTHER_STREET, capacity: 3 }),
      room(2, { siteId: 2, siteAreaCode: GRID, capacity: 5 }),
    ];
    expect(placed(place(family, units), 1)?.unitId).toBe(2);
  });

  it('without a family room, keeps the vulnerable with one adult carer and places the others apart', () => {
    const people = [
      person(1, { householdId: 5, age: 6 }),
      person(2, { householdId: 5, age: 35, sex: 'F' }),
      person(3, { householdId: 5, age: 38 }),
      person(4, { householdId: 5, age: 15 }),
    ];
    const units = [
      room(10, { capacity: 2 }),
      room(11),
      room(12),
      room(13, { capacity: 3, siteKind: 'prefab' }),
    ];
    const r = place(people, units);
    expect(r.waiting).toEqual([]);
    // The smallest room that fits the child and the carer: 10 (capacity 2), not 13 (capacity 3).
    expect(placed(r, 1)).toMatchObject({
      personIds: [1, 2],
      unitId: 10,
      reason:
        'close contact, household of 4 with a child (6): no free room for all 4 (capacity ≥ 4), ' +
        'so a child (6) with adult carer #2 (35) in room 10 (capacity 2) at site 1 (hotel), ' +
        '1 km (same community), nearest with a free room for 2; the other 2 members placed separately',
    });
    expect(placed(r, 3)?.personIds).toEqual([3]);
    expect(placed(r, 4)?.personIds).toEqual([4]);
    expect(placed(r, 3)?.reason).toMatch(
      new RegExp(
        '^close contact, household of 4: placed apart \\(no free room for all 4; ' +
          'the vulnerable members are with carer #2 in room 10\\): single room 1[12] ',
      ),
    );
  });

  it('makes the household wait together when no carer can stay with the vulnerable members', () => {
    const people = [
      person(1, { householdId: 5, age: 70 }),
      person(2, { householdId: 5, age: 72, sex: 'F' }),
      person(3, { householdId: 5, age: 15 }),
    ];
    const r = place(people, [room(10, { capacity: 2 }), room(11)]);
    expect(r.assignments).toEqual([]);
    for (const id of [1, 2, 3]) {
      expect(waitReason(r, id)).toBe(
        'close contact, household of 3 with elderly members (70, 72): ' +
          'no free room for all 3 (capacity ≥ 3) and no adult carer (18–59) in the household ' +
          'to stay with elderly members (70, 72); ' +
          'the household waits together (largest free room: capacity 2)',
      );
    }
  });

  it('makes the household wait together when not even a room for the child and a carer is free', () => {
    const r = place(family, [room(10), room(11), room(12)]);
    expect(r.assignments).toEqual([]);
    expect(waitReason(r, 3)).toBe(
      'close contact, household of 3 with a child (6): no free room for all 3 (capacity ≥ 3) ' +
        'and no free room for a child (6) with a carer (capacity ≥ 2); ' +
        'the household waits together (largest free room: capacity 1)',
    );
  });

  it('gives other contacts a room each: capacity 1 first, larger only when no single room is left', () => {
    const people = [
      person(1, { householdId: 9, waitingSince: hours(-2) }),
      person(2, { householdId: 9, waitingSince: hours(-1) }),
      person(3, { householdId: 10 }),
    ];
    const units = [
      room(10, { capacity: 2, siteId: 2, siteAreaCode: GRID }),
      room(11, { capacity: 1, siteId: 3, siteAreaCode: OTHER_DISTRICT }),
      room(12, { capacity: 1, siteId: 4, siteAreaCode: OTHER_CITY }),
    ];
    const r = place(people, units);
    expect(placed(r, 1)?.reason).toBe(
      'close contact (household of 2 without a child, elderly or disabled member: a room each): ' +
        'single room 11 at site 3 (hotel), 25 km (same city), nearest with a free single room',
    );
    expect(placed(r, 2)?.unitId).toBe(12);
    expect(placed(r, 3)?.reason).toBe(
      'close contact: room 10 (capacity 2) at site 2 (hotel), 0.5 km (same grid): ' +
        'no single room left, nearest larger room',
    );
  });
});

describe('priority placement (从优安置) and order', () => {
  it('places the elderly, children, pregnant and disabled first, then the longest waiting, then id', () => {
    const people = [
      person(1, { waitingSince: hours(-10) }),
      person(2, { age: 75, waitingSince: hours(0) }),
      person(3, { sex: 'F', pregnant: true, waitingSince: hours(1) }),
      person(4, { waitingSince: hours(-10) }),
      person(5, { waitingSince: hours(-12) }),
    ];
    const units = [room(10), room(11), room(12)];
    const r = place(people, units);
    expect(r.assignments.map((a) => a.personIds[0])).toEqual([2, 3, 5]);
    expect(r.waiting.map((w) => w.personId)).toEqual([1, 4]);
  });

  it('gives the better rooms to priority people and keeps the plain ones for others', () => {
    const people = [person(1, { waitingSince: hours(-3) }), person(2, { age: 8, householdId: 2 })];
    const units = [room(10, { quality: 0 }), room(11, { quality: 2 }), room(12, { quality: 1 })];
    const r = place(people, units);
    expect(placed(r, 2)?.unitId).toBe(11);
    expect(placed(r, 2)?.reason).toContain('priority placement (child): quality 2');
    expect(placed(r, 1)?.unitId).toBe(10);
  });

  it('gives accessible rooms to the disabled and low floors to the elderly and disabled', () => {
    const people = [
      person(1, { disabled: true, waitingSince: hours(1) }),
      person(2, { age: 68 }),
      person(3, { waitingSince: hours(-5) }),
    ];
    const units = [
      room(10, { floor: 3, quality: 2 }),
      room(11, { floor: 5, accessible: true, quality: 1 }),
      room(12, { floor: 1 }),
      room(13, { floor: 2 }),
      room(14, { floor: 9 }),
    ];
    const r = place(people, units);
    expect(placed(r, 1)?.unitId).toBe(11);
    expect(placed(r, 1)?.reason).toContain('accessible, for the disabled');
    // The elderly person takes quality 2 first (the better room), on the lowest free floor among those.
    expect(placed(r, 2)?.unitId).toBe(10);
    // The others take the highest free floor (low floors are kept for the elderly and disabled).
    expect(placed(r, 3)?.unitId).toBe(14);
  });

  it('prefers the lowest free floor within a site for the elderly', () => {
    const people = [person(1, { age: 81 })];
    const units = [room(10, { floor: 6 }), room(11, { floor: 1 }), room(12, { floor: 3 })];
    const r = place(people, units);
    expect(placed(r, 1)?.unitId).toBe(11);
    expect(placed(r, 1)?.reason).toContain('floor 1, the lowest free of its kind there');
  });

  it('prefers the nearest site', () => {
    const people = [person(1)];
    const units = [
      room(10, { siteId: 1, siteAreaCode: OTHER_CITY }),
      room(11, { siteId: 2, siteAreaCode: OTHER_COMMUNITY }),
      room(12, { siteId: 3, siteAreaCode: OTHER_GRID }),
      room(13, { siteId: 4, siteAreaCode: OTHER_STREET }),
    ];
    expect(placed(place(people, units), 1)?.reason).toBe(
      'close contact: single room 12 at site 3 (hotel), 1 km (same community), ' +
        'nearest with a free single room',
    );
  });
});

describe('checkPlacement', () => {
  const people = [
    person(1, { category: 'case', severity: 'mild' }),
    person(2, { householdId: 5, age: 6 }),
    person(3, { householdId: 5, age: 40 }),
    person(4, { householdId: 6, age: 30 }),
    person(5, { householdId: 6, age: 31 }),
  ];
  const units = [
    bed(10, 'shelter_hospital'),
    bed(11, 'designated_hospital'),
    room(20, { capacity: 2 }),
    room(21, { capacity: 1 }),
    room(22, { capacity: 2 }),
  ];
  const rules = (assignments: Assignment[], waitingIds: number[] = []) =>
    checkPlacement(people, units, {
      assignments,
      waiting: waitingIds.map((personId) => ({ personId, reason: 'x', waitingSince: T0 })),
    }).map((v) => v.rule);
  const a = (unitId: number, ...personIds: number[]): Assignment => ({ personIds, unitId, reason: 'r' });

  it('accepts a valid result', () => {
    expect(rules([a(10, 1), a(20, 2, 3), a(21, 4)], [5])).toEqual([]);
  });

  it('reports each broken rule', () => {
    expect(rules([a(11, 1), a(20, 2, 3), a(21, 4)], [5])).toEqual(['H1']);
    expect(rules([a(10, 1), a(20, 2, 3), a(21, 4), a(11, 5)])).toEqual(['H2']);
    expect(rules([a(10, 1), a(21, 2, 3), a(22, 4)], [5])).toEqual(['H3']);
    expect(rules([a(10, 1), a(20, 2, 3), a(20, 4)], [5])).toEqual(['H3']);
    expect(rules([a(10, 1), a(20, 2, 3), a(21, 4)], [5, 4])).toEqual(['H3']);
    expect(rules([a(10, 1), a(20, 2, 4), a(21, 3)], [5])).toContain('H4');
    expect(rules([a(10, 1), a(21, 2), a(20, 3)], [4, 5])).toEqual(['H5']); // child alone, family apart
    expect(rules([a(10, 1), a(20, 4, 5)], [2, 3])).toEqual(['H5']); // two adults sharing a room
    expect(rules([a(10, 1), a(20, 3)], [2, 4, 5])).toEqual(['H5']); // the child waits, the parent is placed
    expect(rules([a(10, 1), a(20, 2, 3)], [4])).toEqual(['complete']);
    expect(rules([{ ...a(10, 1), reason: ' ' }, a(20, 2, 3), a(21, 4)], [5])).toEqual(['reason']);
  });
});

describe('input', () => {
  it('rejects duplicate ids', () => {
    expect(() => placeAll([person(1), person(1)], [])).toThrow(RangeError);
    expect(() => placeAll([person(1)], [room(1), room(1)])).toThrow(RangeError);
  });
});

// -----------------------------------------------------------------------------------------------------------
// Properties over random populations and random units.

const SEVERITIES: Severity[] = ['unclassified', 'asymptomatic', 'mild', 'moderate', 'severe', 'critical'];
const SITE_KINDS: SiteKind[] = [
  'hotel',
  'training_centre',
  'party_school',
  'public_housing',
  'prefab',
  'shelter_hospital',
  'designated_hospital',
];
const AREAS = [GRID, OTHER_GRID, SAME_COMMUNITY, OTHER_COMMUNITY, OTHER_STREET, OTHER_DISTRICT, OTHER_CITY];

const memberArb = fc.record({
  category: fc.constantFrom<Category>('case', 'close', 'close', 'secondary'),
  severity: fc.constantFrom(...SEVERITIES),
  age: fc.oneof(
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 14, max: 59 }),
    fc.integer({ min: 60, max: 99 }),
  ),
  female: fc.boolean(),
  pregnant: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  disabled: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  chronicIllness: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  waitH: fc.integer({ min: 0, max: 48 }),
});
const householdArb = fc.record({
  area: fc.constantFrom(...AREAS),
  oneCategory: fc.boolean(),
  members: fc.array(memberArb, { minLength: 1, maxLength: 6 }),
});
const populationArb = fc.array(householdArb, { minLength: 0, maxLength: 25 }).map((households) => {
  const people: WaitingPerson[] = [];
  households.forEach((h, hi) => {
    const first = h.members[0];
    for (const m of h.members) {
      people.push({
        id: people.length + 1,
        category: h.oneCategory && first ? first.category : m.category,
        severity: m.severity,
        householdId: hi + 1,
        age: m.age,
        sex: m.female ? 'F' : 'M',
        pregnant: m.female && m.pregnant,
        disabled: m.disabled,
        chronicIllness: m.chronicIllness,
        areaCode: h.area,
        waitingSince: hours(-m.waitH),
      });
    }
  });
  return people;
});

const siteArb = fc.record({ kind: fc.constantFrom(...SITE_KINDS), area: fc.constantFrom(...AREAS) });
const unitSpecArb = fc.record({
  site: fc.nat(),
  wrongKind: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  capacity: fc.integer({ min: 1, max: 8 }),
  floor: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
  accessible: fc.boolean(),
  quality: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
});
/**
 * From none to plenty: shortages of every kind, wrong kinds of units at sites, all capacities, and sometimes
 * only small rooms (so families fall back to a carer room or wait).
 */
const unitsArb = fc
  .tuple(
    fc.array(siteArb, { minLength: 1, maxLength: 6 }),
    fc.array(unitSpecArb, { maxLength: 60 }),
    fc.integer({ min: 1, max: 8 }),
  )
  .map(([sites, specs, maxCapacity]) =>
    specs.map((s, i): Unit => {
      const site = sites[s.site % sites.length] as (typeof sites)[number];
      // Mostly the right kind of unit for the site; one in five is a bed at a hotel or a room at a hospital.
      const isBed = (site.kind === 'shelter_hospital' || site.kind === 'designated_hospital') !== s.wrongKind;
      return {
        id: 1000 + i,
        kind: isBed ? 'bed' : 'room',
        siteId: (s.site % sites.length) + 1,
        siteKind: site.kind,
        siteAreaCode: site.area,
        capacity: isBed ? 1 : Math.min(s.capacity, maxCapacity),
        floor: s.floor,
        accessible: s.accessible,
        quality: s.quality,
      };
    }),
  );

/** One room of capacity 8 per contact and one bed of each hospital kind per case: enough for anyone. */
function ample(people: readonly WaitingPerson[]): Unit[] {
  const units: Unit[] = [];
  for (const p of people) {
    const base = { siteAreaCode: AREAS[p.id % AREAS.length] as string, floor: p.id % 7, quality: p.id % 3 };
    if (p.category === 'case') {
      units.push({
        ...base,
        id: 3 * p.id,
        kind: 'bed',
        siteId: 1,
        siteKind: 'shelter_hospital',
        capacity: 1,
      });
      units.push({
        ...base,
        id: 3 * p.id + 1,
        kind: 'bed',
        siteId: 2,
        siteKind: 'designated_hospital',
        capacity: 1,
      });
    } else {
      units.push({
        ...base,
        id: 3 * p.id + 2,
        kind: 'room',
        siteId: 3 + (p.id % 5),
        siteKind: 'hotel',
        capacity: 8,
      });
    }
  }
  return units;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = new Prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('placement properties', () => {
  it('never breaks a hard rule and loses nobody, even in heavy shortage', () => {
    fc.assert(
      fc.property(populationArb, unitsArb, (people, units) => {
        const result = placeAll(people, units, { now: hours(50) });
        expect(checkPlacement(people, units, result)).toEqual([]);
        const assigned = result.assignments.flatMap((a) => a.personIds);
        const waiting = result.waiting.map((w) => w.personId);
        expect([...assigned, ...waiting].sort((a, b) => a - b)).toEqual(people.map((p) => p.id));
        for (const a of result.assignments) expect(a.reason.length).toBeGreaterThan(0);
        for (const w of result.waiting) expect(w.reason).toMatch(/no (free|adult)/);
        // Every reason is also a phrase: the same English, and Chinese without a Latin letter (no code, no
        // English word).
        for (const x of [...result.assignments, ...result.waiting]) {
          expect(x.phrase).toBeDefined();
          expect(renderPhrase(x.phrase ?? [], 'en')).toBe(x.reason);
          expect(renderPhrase(x.phrase ?? [], 'zh')).not.toMatch(/[A-Za-z]/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('places everyone when capacity is ample', () => {
    fc.assert(
      fc.property(populationArb, (people) => {
        const units = ample(people);
        const result = placeAll(people, units);
        expect(checkPlacement(people, units, result)).toEqual([]);
        expect(result.waiting).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same input in any order gives the same output', () => {
    fc.assert(
      fc.property(populationArb, unitsArb, fc.integer(), (people, units, seed) => {
        const a = placeAll(people, units);
        const b = placeAll(shuffled(people, seed), shuffled(units, seed + 1));
        expect(b).toEqual(a);
        expect(placeAll(people, units)).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('carries a city-scale day: 20,000 people and 50,000 units, all rules kept', () => {
    const { people, units } = cityScale(20_000, 50_000, 7);
    const result = placeAll(people, units);
    expect(checkPlacement(people, units, result)).toEqual([]);
    const placedCount = result.assignments.reduce((n, a) => n + a.personIds.length, 0);
    expect(placedCount + result.waiting.length).toBe(20_000);
    expect(placedCount).toBeGreaterThan(15_000);
  });
});

/** A synthetic Jilin-like day: households of 1–6 over 4 districts × 10 streets × 10 communities × 5 grids. */
function cityScale(
  nPeople: number,
  nUnits: number,
  seed: number,
): { people: WaitingPerson[]; units: Unit[] } {
  const rng = new Prng(seed);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const grid = () =>
    `2202${pad(rng.int(1, 4), 2)}${pad(rng.int(1, 10), 3)}${pad(rng.int(1, 10), 3)}${pad(rng.int(1, 5), 3)}`;
  const people: WaitingPerson[] = [];
  let household = 0;
  while (people.length < nPeople) {
    household++;
    const area = grid();
    const category = rng.pick<Category>(['case', 'close', 'close', 'secondary']);
    const size = Math.min(rng.int(1, 6), nPeople - people.length);
    for (let i = 0; i < size; i++) {
      const female = rng.bool(0.5);
      people.push({
        id: people.length + 1,
        category,
        severity: rng.pick(SEVERITIES),
        householdId: household,
        age: rng.int(0, 95),
        sex: female ? 'F' : 'M',
        pregnant: female && rng.bool(0.03),
        disabled: rng.bool(0.03),
        chronicIllness: rng.bool(0.2),
        areaCode: area,
        waitingSince: hours(-rng.int(0, 48)),
      });
    }
  }
  const sites = Array.from({ length: 600 }, (_, i) => ({
    kind: rng.pick(SITE_KINDS),
    area: grid().slice(0, rng.pick([6, 9, 12, 15])),
    id: i + 1,
  }));
  const units: Unit[] = Array.from({ length: nUnits }, (_, i) => {
    const site = rng.pick(sites);
    const isBed = site.kind === 'shelter_hospital' || site.kind === 'designated_hospital';
    return {
      id: i + 1,
      kind: isBed ? 'bed' : 'room',
      siteId: site.id,
      siteKind: site.kind,
      siteAreaCode: site.area,
      capacity: isBed ? 1 : rng.pick([1, 1, 1, 2, 2, 3, 4, 6, 8]),
      floor: rng.int(1, 20),
      accessible: rng.bool(0.05),
      quality: rng.int(0, 2),
    };
  });
  return { people, units };
}
