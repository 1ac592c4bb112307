/**
 * Sample pooling for mass-testing rounds (../../../shared/DOMAIN.md, "Pools" and "Pooling arithmetic"):
 * who is sampled how (one tube per person, one per household, or k swabs in one tube), how many tubes that
 * takes, and Dorfman's arithmetic for choosing k. Pure: no I/O, no clock.
 */
import { z } from 'zod';

export type ZoneLevel = 'lockdown' | 'control' | 'prevention';
export type SampleMode = 'single' | 'household' | 'pooled';

/** The most swabs one tube takes, whatever the policy (10合1 and 20合1 are the protocols' pools). */
export const MAX_POOL_SIZE = 50;

/**
 * How each group is sampled. Pool sizes are swabs per tube; a size of 1 is single-tube sampling.
 * `other` is everyone outside a lockdown, control or prevention zone.
 */
export interface PoolingPolicy {
  lockdown: 'single' | 'household';
  control: number;
  prevention: number;
  other: number;
  isolated: 'single';
  keyGroups: 'single';
}

/** The 2022 protocols: lockdown single tube (or 1户1管), control 10 in 1, prevention and the rest 20 in 1. */
export const DEFAULT_POOLING_POLICY: Readonly<PoolingPolicy> = Object.freeze({
  lockdown: 'single',
  control: 10,
  prevention: 20,
  other: 20,
  isolated: 'single',
  keyGroups: 'single',
});

const poolSize = z.number().int().min(1).max(MAX_POOL_SIZE);

export const PoolingPolicySchema = z.object({
  lockdown: z.enum(['single', 'household']),
  control: poolSize,
  prevention: poolSize,
  other: poolSize,
  isolated: z.literal('single'),
  keyGroups: z.literal('single'),
}) satisfies z.ZodType<PoolingPolicy>;

export interface SampleAssignment {
  mode: SampleMode;
  /** Swabs per tube: 1 for single, k for pooled, 0 for household (the household's size, known to the caller). */
  poolSize: number;
}

/**
 * How one person is sampled. Isolated people and key groups always get a tube of their own, whatever their
 * zone; a pool size of 1 in the policy is single-tube sampling.
 */
export function sampleModeFor(
  person: { zone: ZoneLevel | null; isolated: boolean; keyGroup: boolean },
  policy: PoolingPolicy = DEFAULT_POOLING_POLICY,
): SampleAssignment {
  if (person.isolated || person.keyGroup) return { mode: 'single', poolSize: 1 };
  if (person.zone === 'lockdown') {
    return policy.lockdown === 'household'
      ? { mode: 'household', poolSize: 0 }
      : { mode: 'single', poolSize: 1 };
  }
  const k =
    person.zone === 'control'
      ? policy.control
      : person.zone === 'prevention'
        ? policy.prevention
        : policy.other;
  return k === 1 ? { mode: 'single', poolSize: 1 } : { mode: 'pooled', poolSize: k };
}

function checkPoolSize(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`pool size must be a whole number ≥ 1, got ${k}`);
}

function checkPrevalence(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`prevalence must be between 0 and 1, got ${p}`);
}

/** Share of k-swab pools that test positive at prevalence p: 1 − (1 − p)^k. */
export function positivePoolShare(k: number, p: number): number {
  checkPoolSize(k);
  checkPrevalence(p);
  return 1 - (1 - p) ** k;
}

/**
 * Dorfman's expected tests per person: one pool test shared by k, plus k single re-tests when the pool is
 * positive: 1/k + 1 − (1 − p)^k. A "pool" of one is just the single test: 1.
 */
export function dorfmanTestsPerPerson(k: number, p: number): number {
  checkPoolSize(k);
  checkPrevalence(p);
  if (k === 1) return 1;
  return 1 / k + (1 - (1 - p) ** k); // this order keeps the result ≥ 1/k in floating point
}

/** The pool size in 1..maxK with the fewest expected tests per person at prevalence p (the smaller on a tie). */
export function bestPoolSize(p: number, maxK: number = MAX_POOL_SIZE): number {
  checkPrevalence(p);
  checkPoolSize(maxK);
  let best = 1;
  let bestCost = 1;
  for (let k = 2; k <= maxK; k++) {
    const cost = dorfmanTestsPerPerson(k, p);
    if (cost < bestCost) {
      best = k;
      bestCost = cost;
    }
  }
  return best;
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number ≥ 0, got ${n}`);
}

/** Tubes for `people` sampled k in 1: ceil(people / k). */
export function pooledTubes(people: number, k: number): number {
  checkCount('people', people);
  checkPoolSize(k);
  return Math.ceil(people / k);
}

/**
 * Tubes for `people` sampled one tube per household (1户1管), given how many households they live in.
 * Never more tubes than people (a registry may count households whose members are all elsewhere), never more
 * than MAX_POOL_SIZE swabs in a tube (a dormitory registered as one household), and with no household known
 * everyone is taken as living alone (one tube each: the safe upper bound).
 */
export function householdTubes(people: number, households: number): number {
  checkCount('people', people);
  checkCount('households', households);
  if (people === 0) return 0;
  if (households === 0) return people;
  return Math.max(Math.min(households, people), Math.ceil(people / MAX_POOL_SIZE));
}

export interface TubeCounts {
  /** People sampled one tube each. */
  single: number;
  /** Household tubes (one per household, see householdTubes). */
  households: number;
  /** People sampled in pools, by pool size. */
  pooled: readonly { size: number; people: number }[];
}

/** The number of tubes a round needs. */
export function expectedTubes(counts: TubeCounts): number {
  checkCount('single', counts.single);
  checkCount('households', counts.households);
  let tubes = counts.single + counts.households;
  for (const { size, people } of counts.pooled) tubes += pooledTubes(people, size);
  return tubes;
}
