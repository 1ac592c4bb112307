import { describe, expect, it } from 'vitest';
import { areaLabel } from './area-names.ts';

describe('area labels', () => {
  it('names a grid with its community and a community with its street', () => {
    const full = '船营区 北京路街道 江南社区 第1网格';
    expect(areaLabel({ level: 6, name: '第1网格', full })).toBe('江南社区 / 第1网格');
    expect(areaLabel({ level: 5, name: '江南社区', full: '船营区 北京路街道 江南社区' })).toBe(
      '北京路街道 / 江南社区',
    );
  });
  it('names a street, a district or a city by its own name', () => {
    expect(areaLabel({ level: 4, name: '北京路街道', full: '船营区 北京路街道' })).toBe('北京路街道');
    expect(areaLabel({ level: 3, name: '船营区', full: '船营区' })).toBe('船营区');
    expect(areaLabel({ level: 2, name: '吉林市', full: '' })).toBe('吉林市');
  });
  it('falls back to the own name when the path is short', () => {
    expect(areaLabel({ level: 6, name: '第1网格', full: '第1网格' })).toBe('第1网格');
  });
});
