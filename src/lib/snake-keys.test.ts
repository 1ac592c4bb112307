import { describe, expect, it } from 'vitest';
import { snakeKeys } from './snake-keys.ts';

describe('snakeKeys', () => {
  it('renames camelCase keys at every depth and keeps values, arrays and dates', () => {
    const at = new Date('2022-03-14T00:00:00Z');
    expect(
      snakeKeys({
        serviceDay: '2022-03-14',
        shift: { startAt: at },
        trips: [{ placementIds: [1, 2], km: 3 }],
        x: null,
      }),
    ).toEqual({
      service_day: '2022-03-14',
      shift: { start_at: at },
      trips: [{ placement_ids: [1, 2], km: 3 }],
      x: null,
    });
  });
});
