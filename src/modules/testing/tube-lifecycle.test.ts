import { describe, expect, it } from 'vitest';
import { canMove, TUBE_STATUSES, transitionProblem } from './tube-lifecycle.ts';

describe('tube lifecycle', () => {
  it('allows exactly the next step', () => {
    for (let i = 0; i < TUBE_STATUSES.length; i++) {
      for (let j = 0; j < TUBE_STATUSES.length; j++) {
        const from = TUBE_STATUSES[i] as (typeof TUBE_STATUSES)[number];
        const to = TUBE_STATUSES[j] as (typeof TUBE_STATUSES)[number];
        expect(canMove(from, to), `${from} → ${to}`).toBe(j === i + 1);
      }
    }
  });

  it('explains a refused step', () => {
    expect(transitionProblem('T1', 'open', 'in_transit')).toBe(
      'tube T1 is open; it must be boxed to become in_transit',
    );
    expect(transitionProblem('T1', 'resulted', 'resulted')).toBe('tube T1 is already resulted');
    expect(transitionProblem('T1', 'closed', 'boxed')).toBeNull();
  });
});
