import { describe, expect, it } from 'vitest';
import { dischargeProblem, TERMS, termEnd, testSchedule } from './terms.ts';

const t0 = new Date('2022-03-14T10:00:00Z');

describe('quarantine terms', () => {
  it('carries both editions', () => {
    expect(termEnd(t0, TERMS['8th'].close).toISOString()).toBe('2022-03-28T10:00:00.000Z');
    expect(termEnd(t0, TERMS['9th'].close).toISOString()).toBe('2022-03-21T10:00:00.000Z');
    expect(TERMS['9th'].secondary.centralDays).toBe(0); // home isolation
    expect(testSchedule(t0, TERMS['8th'].close).map((d) => d.toISOString().slice(5, 10))).toEqual([
      '03-15',
      '03-18',
      '03-21',
      '03-28',
    ]);
    expect(testSchedule(t0, TERMS['9th'].close)).toHaveLength(5);
  });

  it('discharges only on two Ct ≥ 35 results at least 24 h apart', () => {
    const at = (h: number) => new Date(t0.getTime() + h * 3600_000);
    expect(
      dischargeProblem([
        { at: at(0), ct: 36 },
        { at: at(25), ct: 37 },
      ]),
    ).toBeNull();
    expect(
      dischargeProblem([
        { at: at(0), ct: 36 },
        { at: at(20), ct: 37 },
      ]),
    ).toMatch(/24 h apart/);
    expect(
      dischargeProblem([
        { at: at(0), ct: 30 },
        { at: at(30), ct: 37 },
      ]),
    ).toMatch(/1 given/);
  });
});
