/**
 * A demo outbreak on the demo city, so a first `npm start` shows the command centre at work: positives found on
 * each of the last days (a share of the population, growing), traced by the tracing module, placed by the
 * placement engine as far as rooms and beds allow, most of them arrived; and today's positives left for the
 * server's own tracing worker. Only the real modules write: nothing is invented beyond who tests positive.
 * Never used in production mode.
 */
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { placeBacklog } from '../isolation/place-backlog.ts';
import { arrive } from '../isolation/stays.ts';
import { runTracing } from '../tracing/run-tracing.ts';

const DAY = 86_400_000;

export interface DemoOutbreak {
  /** Positives per 10,000 people, from the earliest day to today (today's are left for the worker). */
  perTenThousand: readonly number[];
  /** Share of each day's placements that arrived. */
  arrivedShare: number;
}

export const DEFAULT_DEMO_OUTBREAK: DemoOutbreak = { perTenThousand: [6, 13, 17], arrivedShare: 0.7 };

/** Positives of one day: people not yet at risk, picked by a hash of their id (deterministic per day). */
async function positives(db: Db, at: Date, n: number, salt: number): Promise<void> {
  await db.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     SELECT 'testing.person_positive', 'person', id, area_code, $2, '{}'::jsonb
       FROM persons p WHERE purged_at IS NULL AND NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = p.id AND r.risk_status <> 'none')
      ORDER BY hashint8extended(id, $3) LIMIT $1`,
    [n, at, salt],
  );
}

export async function seedDemoOutbreak(
  db: Db,
  now: Date,
  o: DemoOutbreak = DEFAULT_DEMO_OUTBREAK,
): Promise<{ days: { day: string; positives: number; placed: number; arrived: number }[]; today: number }> {
  const count = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM persons WHERE purged_at IS NULL',
  );
  const people = count.rows[0]?.n ?? 0;
  const sizes = o.perTenThousand.map((r) => Math.max(1, Math.round((people * r) / 10_000)));
  const clock = new ManualClock(now);
  const days: { day: string; positives: number; placed: number; arrived: number }[] = [];
  for (const [i, n] of sizes.slice(0, -1).entries()) {
    const back = sizes.length - 1 - i;
    clock.set(new Date(now.getTime() - back * DAY));
    await positives(db, clock.now(), n, back);
    for (;;) {
      const r = await runTracing(db, clock);
      if (r.casesCreated === 0 && r.traced.length === 0) break;
    }
    clock.set(new Date(clock.now().getTime() + 3 * 3600_000));
    const placed = await db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    const stays = await db.query<{ id: number }>(
      "SELECT id FROM placements WHERE status = 'placed' ORDER BY id LIMIT $1",
      [Math.floor(placed.placed * o.arrivedShare)],
    );
    clock.set(new Date(clock.now().getTime() + 4 * 3600_000));
    await db.transaction(async (tx) => {
      for (const s of stays.rows) await arrive(tx, clock, s.id, '');
    });
    days.push({
      day: new Date(now.getTime() - back * DAY + 8 * 3600_000).toISOString().slice(0, 10),
      positives: n,
      placed: placed.placed,
      arrived: stays.rows.length,
    });
  }
  const today = sizes.at(-1) ?? 0;
  await positives(db, new Date(now.getTime() - 3 * 3600_000), today, 0);
  return { days, today };
}
