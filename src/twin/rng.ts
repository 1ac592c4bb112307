/**
 * Counter-based random numbers for the twin: every draw is a hash of (seed, purpose, a, b, c), so a draw depends
 * only on what it is for (whose disease course, which infector on which day, which target…), never on how many
 * draws happened before. Two runs on one seed that take different decisions therefore share every draw that
 * their decisions do not touch (common random numbers), and the order agents are processed in does not matter.
 *
 * The mixer is the "lowbias32" integer hash (Chris Wellons' hash-prospector, bias ≈ 0.17): good avalanche for
 * simulation, not for anything security-related. sfc32 (src/domain/prng.ts) stays the sequential generator of
 * the population builder.
 */

/** What a draw is for: one independent stream each. */
export const PURPOSE = {
  /** an agent's disease course (durations, symptoms, severity, viral kinetics), fixed whenever infected */
  course: 1,
  household: 2,
  stairwell: 3,
  group: 4,
  venue: 5,
  community: 6,
  /** whether an agent visits a venue kind on a day */
  visit: 7,
  /** whether a reached susceptible target is infected (susceptibility, zone participation) */
  accept: 8,
  /** who is seeded */
  seed: 9,
  /** draws left to the closed loop (test results, Ct noise) */
  test: 10,
} as const;

export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key of one purpose's stream for a seed. */
export function streamKey(seed: number, purpose: number): number {
  return mix32(mix32(seed >>> 0) ^ Math.imul(purpose + 1, 0x9e3779b9));
}

/** A 32-bit hash of a stream key and three counters. */
export function hash3(key: number, a: number, b: number, c: number): number {
  let h = mix32(key ^ Math.imul(a | 0, 0x85ebca6b));
  h = mix32(h ^ Math.imul((b | 0) + 0x27d4eb2f, 0xc2b2ae35));
  return mix32(h ^ Math.imul((c | 0) + 0x165667b1, 0x9e3779b1));
}

/** Uniform in [0, 1) for (stream, a, b, c). */
export function uniform3(key: number, a: number, b: number, c: number): number {
  return hash3(key, a, b, c) / 4294967296;
}
