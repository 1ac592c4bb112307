import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ageOn, parseIdNumber } from '../../domain/id-number.ts';
import { apportion, type CityBatch, generateCity } from './city-generator.ts';
import { allCountyCodes, type CityDivisions, loadCityDivisions, provinceCountyCodes } from './divisions.ts';

let div: CityDivisions;
const counties = { provinceCountyCodes: [] as string[], allCountyCodes: [] as string[] };
const asOf = '2022-03-01';

beforeAll(async () => {
  div = await loadCityDivisions('2202');
  counties.provinceCountyCodes = provinceCountyCodes('22');
  counties.allCountyCodes = allCountyCodes();
});

function collect(people: number, seed: number): CityBatch {
  const all: CityBatch = { areas: [], buildings: [], households: [], persons: [], venues: [] };
  for (const b of generateCity(div, { people, seed, asOf, ...counties })) {
    for (const k of Object.keys(all) as (keyof CityBatch)[]) all[k].push(...b[k]);
  }
  return all;
}

const digest = (b: CityBatch) => createHash('sha256').update(JSON.stringify(b)).digest('hex');

describe('demo-city generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(digest(collect(3000, 42))).toBe(digest(collect(3000, 42)));
    expect(digest(collect(3000, 42))).not.toBe(digest(collect(3000, 43)));
  });

  it('keeps its invariants for any size and seed', () => {
    const communities = new Set(div.communities.map((c) => c.code));
    const today = new Date(`${asOf}T00:00:00Z`);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (people, seed) => {
          const city = collect(people, seed);
          expect(city.persons).toHaveLength(people);
          const grids = new Set(city.areas.map((a) => a[0] as string));
          for (const a of city.areas) {
            expect(communities.has(a[1] as string)).toBe(true); // every grid under a real community
            expect((a[0] as string).startsWith(a[1] as string)).toBe(true);
          }
          const buildings = new Map(city.buildings.map((b) => [b[0] as number, b[1] as string]));
          for (const g of buildings.values()) expect(grids.has(g)).toBe(true);
          const households = new Map(city.households.map((h) => [h[0] as number, h]));
          for (const h of city.households) expect(buildings.get(h[2] as number)).toBe(h[1]); // same grid as its building
          const ids = new Set<string>();
          const perHousehold = new Map<number, number>();
          for (const p of city.persons) {
            const h = households.get(p[6] as number);
            expect(h).toBeDefined(); // every person in exactly one existing household
            expect(p[7]).toBe(h?.[1]); // stamped with the household's area
            perHousehold.set(p[6] as number, (perHousehold.get(p[6] as number) ?? 0) + 1);
            const parsed = parseIdNumber(p[1] as string, today);
            expect(parsed.ok).toBe(true);
            if (parsed.ok) {
              expect(parsed.value.sex).toBe(p[3]);
              expect(parsed.value.birthDate).toBe(p[4]);
            }
            ids.add(p[1] as string);
          }
          expect(ids.size).toBe(people); // ID numbers unique
          for (const h of city.households) expect(perHousehold.get(h[0] as number)).toBeGreaterThan(0); // no empty household
        },
      ),
      { numRuns: 15 },
    );
  });

  it('looks like a north-east Chinese city: household size about 2.3, about a quarter aged 60+', () => {
    const city = collect(60_000, 7);
    const meanSize = city.persons.length / city.households.length;
    expect(meanSize).toBeGreaterThan(2.15);
    expect(meanSize).toBeLessThan(2.5);
    const today = new Date(`${asOf}T00:00:00Z`);
    const elderly =
      city.persons.filter((p) => ageOn(p[4] as string, today) >= 60).length / city.persons.length;
    expect(elderly).toBeGreaterThan(0.2);
    expect(elderly).toBeLessThan(0.3);
    const phones = city.persons.map((p) => p[5]).filter((x) => x !== null);
    expect(new Set(phones).size).toBe(phones.length);
    // Urban communities hold more people than rural ones.
    const byKind = { urban: 0, rural: 0 };
    const kindOf = new Map(div.communities.map((c) => [c.code, c.kind as 'urban' | 'rural']));
    for (const p of city.persons) byKind[kindOf.get((p[7] as string).slice(0, 12)) as 'urban' | 'rural']++;
    const urbanCommunities = div.communities.filter((c) => c.kind === 'urban').length;
    const ruralCommunities = div.communities.length - urbanCommunities;
    expect(byKind.urban / urbanCommunities).toBeGreaterThan((2.5 * byKind.rural) / ruralCommunities);
    expect(city.venues.length).toBeGreaterThan(0);
    expect(new Set(city.venues.map((v) => v[4])).size).toBe(city.venues.length); // venue codes unique
  });

  it('apportions exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 50 }),
        (total, w) => {
          const parts = apportion(total, w);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          for (const p of parts) expect(p).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('refuses nonsense sizes and dates', () => {
    expect(() => generateCity(div, { people: Number.NaN, seed: 1, asOf, ...counties }).next()).toThrow(
      /people/,
    );
    expect(() => generateCity(div, { people: 10, seed: 1, asOf: 'yesterday', ...counties }).next()).toThrow(
      /asOf/,
    );
  });
});
