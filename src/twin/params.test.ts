import { describe, expect, it } from 'vitest';
import { PARAMETERS } from './params.ts';

describe('the parameter file', () => {
  it('keeps every value inside its own stated range, with a unit and a source', () => {
    const outside: string[] = [];
    for (const [name, param] of Object.entries(PARAMETERS)) {
      expect(param.low, name).toBeLessThanOrEqual(param.high);
      expect(param.unit.length, name).toBeGreaterThan(0);
      expect(param.source.length, name).toBeGreaterThan(0);
      const values: readonly number[] = Array.isArray(param.value) ? param.value : [param.value as number];
      for (const v of values) if (!(v >= param.low && v <= param.high)) outside.push(`${name} = ${v}`);
    }
    expect(outside).toEqual([]);
  });
});
