import { describe, expect, it } from 'vitest';
import { generateResources, RESOURCE_RATIOS } from './resources.ts';

const places = Array.from({ length: 50 }, (_, i) => ({
  code: `220202001${String(i + 1).padStart(3, '0')}`,
  address: `地址${i}`,
}));

describe('response resources', () => {
  it('scales Changchun and Jilin province figures to the population', () => {
    const r = generateResources(1_000_000, places, 1, '吉林市', '吉B');
    const hotels = r.sites.filter((s) => s[1] === 'hotel');
    expect(hotels).toHaveLength(Math.round(RESOURCE_RATIOS.hotels.perMillion)); // 46
    const hotelIds = new Set(hotels.map((s) => s[0]));
    expect(r.rooms.filter((x) => hotelIds.has(x[0]))).toHaveLength(
      Math.round(RESOURCE_RATIOS.hotelRooms.perMillion),
    ); // 5,263
    expect(r.beds.length).toBe(
      Math.round(RESOURCE_RATIOS.shelterBeds.perMillion) +
        Math.round(RESOURCE_RATIOS.designatedBeds.perMillion),
    );
    const tubes = r.labs.reduce((s, l) => s + (l[2] as number), 0);
    expect(tubes).toBeGreaterThanOrEqual(160_000);
    expect(r.vehicles.length).toBe(140);
    expect(new Set(r.vehicles.map((v) => v[0])).size).toBe(r.vehicles.length);
    expect(new Set(r.rooms.map((x) => `${x[0]}/${x[1]}`)).size).toBe(r.rooms.length); // room codes unique per site
    expect(new Set(r.beds.map((x) => `${x[0]}/${x[1]}/${x[2]}`)).size).toBe(r.beds.length);
  });

  it('keeps a reserve list: only the first tier of hotels starts active', () => {
    const r = generateResources(2_000_000, places, 1, '吉林市', '吉B');
    const hotels = r.sites.filter((s) => s[1] === 'hotel');
    expect(hotels.filter((h) => h[5] === 'active').every((h) => h[6] === 1)).toBe(true);
    expect(hotels.some((h) => h[5] === 'reserve')).toBe(true);
  });

  it('gives a small town at least one of each kind, and refuses to place nothing', () => {
    const r = generateResources(500, places, 1, '镇', 'X');
    for (const kind of ['hotel', 'shelter_hospital', 'designated_hospital'])
      expect(r.sites.some((s) => s[1] === kind)).toBe(true);
    expect(() => generateResources(500, [], 1, '镇', 'X')).toThrow(/no places/);
  });
});
