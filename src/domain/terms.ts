/**
 * Quarantine terms by protocol edition (DOMAIN.md). 8th edition (Jilin, spring 2022): close contacts 14 days
 * centralised + 7 days home monitoring, tests on days 1, 4, 7, 14; secondary contacts 7 days centralised.
 * 9th edition (June 2022): close contacts 7 + 3, tests on days 1, 2, 3, 5, 7; secondary contacts 7 days at home
 * (not centralised). Cases leave on discharge: two PCR tests with Ct ≥ 35 at least 24 h apart, then 7 days home.
 */
export type Edition = '8th' | '9th';
export type ContactCategory = 'close' | 'secondary';

export interface Term {
  centralDays: number;
  homeDays: number;
  testDays: readonly number[];
}

export const TERMS: Readonly<Record<Edition, Record<ContactCategory, Term>>> = {
  '8th': {
    close: { centralDays: 14, homeDays: 7, testDays: [1, 4, 7, 14] },
    secondary: { centralDays: 7, homeDays: 0, testDays: [1, 4, 7] },
  },
  '9th': {
    close: { centralDays: 7, homeDays: 3, testDays: [1, 2, 3, 5, 7] },
    secondary: { centralDays: 0, homeDays: 7, testDays: [1, 4, 7] },
  },
};

export const DISCHARGE = { minCt: 35, minHoursApart: 24, homeDays: 7 } as const;

const DAY = 86_400_000;

/** When a centralised term ends: `centralDays` after arrival. */
export function termEnd(arrivedAt: Date, term: Term): Date {
  return new Date(arrivedAt.getTime() + term.centralDays * DAY);
}

/** Due times of the term's tests: day 1 is the arrival day (due by its end, 24 h after arrival). */
export function testSchedule(arrivedAt: Date, term: Term): Date[] {
  return term.testDays.map((d) => new Date(arrivedAt.getTime() + d * DAY));
}

/** Why a case may not be discharged yet, or null: two tests with Ct ≥ 35, at least 24 h apart. */
export function dischargeProblem(tests: readonly { at: Date; ct: number }[]): string | null {
  const good = tests.filter((t) => t.ct >= DISCHARGE.minCt).sort((a, b) => a.at.getTime() - b.at.getTime());
  if (good.length < 2)
    return `discharge needs two PCR tests with Ct ≥ ${DISCHARGE.minCt}; ${good.length} given`;
  const first = good[0] as { at: Date };
  const last = good[good.length - 1] as { at: Date };
  if (last.at.getTime() - first.at.getTime() < DISCHARGE.minHoursApart * 3600_000) {
    return `the two tests with Ct ≥ ${DISCHARGE.minCt} must be at least ${DISCHARGE.minHoursApart} h apart`;
  }
  return null;
}
