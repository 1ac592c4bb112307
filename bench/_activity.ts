/**
 * Three days of an outbreak as the tracing and isolation modules produce them, on a seeded city: 1,000, 2,000 and
 * 3,500 new cases a day (Jilin city's worst day), their household and stairwell contacts traced, everyone placed
 * that the rooms and beds allow, half of each day's placements arrived. Shared by the dashboard and lists
 * benchmarks.
 */
import type { Db } from '../src/db/types.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { UNSCOPED } from '../src/modules/access/scope.ts';
import { refreshDashboard } from '../src/modules/command/dashboard.ts';
import { placeBacklog } from '../src/modules/isolation/place-backlog.ts';
import { arrive } from '../src/modules/isolation/stays.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';
import { runTracing } from '../src/modules/tracing/run-tracing.ts';
import { secondsSince } from './_http.ts';

export const ACTIVITY_DAYS = [
  { at: '2022-03-19T02:00:00Z', cases: 1_000 },
  { at: '2022-03-20T02:00:00Z', cases: 2_000 },
  { at: '2022-03-21T02:00:00Z', cases: 3_500 },
];
/** 16:00 Beijing time on the third day, the screens on the wall. */
export const ACTIVITY_NOW = '2022-03-21T08:00:00Z';

export async function makeActivity(db: Db, clock: ManualClock): Promise<void> {
  for (const d of ACTIVITY_DAYS) {
    const t0 = performance.now();
    clock.set(d.at);
    await db.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.person_positive', 'person', id, area_code, $2, '{}'::jsonb
         FROM persons p WHERE NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = p.id AND r.risk_status <> 'none')
        ORDER BY hashint8extended(id, $3) LIMIT $1`,
      [d.cases, d.at, d.cases],
    );
    let traced = 0;
    for (;;) {
      const r = await runTracing(db, clock);
      traced += r.traced.length;
      if (r.casesCreated === 0 && r.traced.length === 0) break;
    }
    clock.set(new Date(new Date(d.at).getTime() + 3 * 3600_000));
    const placed = await db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    clock.set(new Date(new Date(d.at).getTime() + 5 * 3600_000));
    const stays = await db.query<{ id: number }>(
      "SELECT id FROM placements WHERE status = 'placed' AND id % 2 = 0 ORDER BY id",
    );
    for (let i = 0; i < stays.rows.length; i += 500) {
      await db.transaction(async (tx) => {
        for (const s of stays.rows.slice(i, i + 500)) await arrive(tx, clock, s.id, '');
      });
    }
    console.log(
      `  ${d.at.slice(0, 10)}: ${d.cases.toLocaleString('en')} cases traced (${traced}), ${placed.placed.toLocaleString('en')} placed, ${placed.waiting.length.toLocaleString('en')} waiting, ${stays.rows.length.toLocaleString('en')} arrived, ${secondsSince(t0).toFixed(1)} s`,
    );
  }
  clock.set(ACTIVITY_NOW);
}

/**
 * The benchmarks' city (2202, seed 42) with N people and the three days of activity (unless `seeded`: a database
 * an earlier run left), analysed, then one dashboard refresh timed. The clock is left at ACTIVITY_NOW.
 */
export async function cityWithActivity(
  db: Db,
  people: number,
  seeded = false,
): Promise<{ clock: ManualClock; refreshSeconds: number; areas: number }> {
  const clock = new ManualClock(ACTIVITY_DAYS[0]?.at as string);
  if (seeded) clock.set(ACTIVITY_NOW);
  else {
    const t0 = performance.now();
    console.log(`seeding ${people.toLocaleString('en')} people…`);
    await seedCity(db, { city: '2202', people, seed: 42, clock });
    console.log(`  seeded in ${secondsSince(t0).toFixed(1)} s`);
    console.log('three days of activity…');
    await makeActivity(db, clock);
  }
  await db.query('VACUUM ANALYZE');
  const t0 = performance.now();
  const refresh = await refreshDashboard(db, clock);
  return { clock, refreshSeconds: secondsSince(t0), areas: refresh.areas };
}
