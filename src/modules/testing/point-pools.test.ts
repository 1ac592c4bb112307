import { describe, expect, it } from 'vitest';
import { DEFAULT_POOLING_POLICY } from '../../domain/pooling.ts';
import { HOUSEHOLD_TUBE_CAPACITY, poolForZone } from './point-pools.ts';

describe('pool size by zone', () => {
  it('follows the 2022 protocols by default', () => {
    expect(poolForZone('lockdown', DEFAULT_POOLING_POLICY)).toEqual({ mode: 'single', pool_size: 1 });
    expect(poolForZone('control', DEFAULT_POOLING_POLICY)).toEqual({ mode: 'pooled', pool_size: 10 });
    expect(poolForZone('prevention', DEFAULT_POOLING_POLICY)).toEqual({ mode: 'pooled', pool_size: 20 });
    expect(poolForZone(null, DEFAULT_POOLING_POLICY)).toEqual({ mode: 'pooled', pool_size: 20 });
  });
  it('takes the round policy: one tube per household in lockdown, single tubes where the size is 1', () => {
    const policy = { ...DEFAULT_POOLING_POLICY, lockdown: 'household' as const, control: 1, other: 5 };
    expect(poolForZone('lockdown', policy)).toEqual({
      mode: 'household',
      pool_size: HOUSEHOLD_TUBE_CAPACITY,
    });
    expect(poolForZone('control', policy)).toEqual({ mode: 'single', pool_size: 1 });
    expect(poolForZone(null, policy)).toEqual({ mode: 'pooled', pool_size: 5 });
  });
});
