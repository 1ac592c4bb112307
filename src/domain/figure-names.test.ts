import { describe, expect, it } from 'vitest';
import { FIGURE_KEYS, figureDefinition, figureName, REPORT_FIGURES } from './figure-names.ts';

describe('figure names', () => {
  it('gives every figure a name and a definition in both languages, and no two figures one name', () => {
    for (const lang of ['zh', 'en'] as const) {
      const names = FIGURE_KEYS.map((k) => figureName(k, lang));
      expect(new Set(names).size, `${lang}: a name used twice`).toBe(names.length);
      for (const k of FIGURE_KEYS) expect(figureDefinition(k, lang).length, k).toBeGreaterThan(8);
    }
    for (const k of FIGURE_KEYS) {
      expect(figureName(k, 'zh'), k).not.toMatch(/[A-Za-z]/);
      expect(figureDefinition(k, 'zh'), k).not.toMatch(/[A-Za-z]/);
    }
  });

  it('names every row of the daily report by a figure', () => {
    for (const k of Object.values(REPORT_FIGURES)) expect(FIGURE_KEYS).toContain(k);
  });
});
