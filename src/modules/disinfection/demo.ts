/**
 * The demo's disinfection (环境消杀), after the demo outbreak: in the communities of the hardest-hit district that
 * have cases, a market every 24 h, a supermarket every 12 h and a garbage point every 8 h, running since three days
 * ago; the case triggers of each of those days (each case's lift and stairwell, the venues of its window); and the
 * history of what was done — most due times done before their deadline with the usual agents, some done late, one
 * in six never done (late, on the responsibility list) — and today's still to do. Written by the module's own
 * services; only who did what when is chosen here. Never used in production mode.
 */
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { recordDisinfection } from './completion.ts';
import { createPlace } from './places.ts';
import { type Agent, DAY, DEFAULT_CONCENTRATION, dayBounds, HOUR } from './rules.ts';
import { generateDue } from './schedule.ts';
import { runCaseTriggers } from './triggers.ts';

const MINUTE = 60_000;
const TEAMS = ['社区消杀队', '街道环卫所', '区疾控消杀组'];

export async function seedDemoDisinfection(
  db: Db,
  now: Date,
  days = 3,
): Promise<{ places: number; due: number; done: number; late: number }> {
  const district = (
    await db.query<{ d: string }>(
      'SELECT left(area_code, 6) AS d FROM cases GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
  ).rows[0]?.d;
  if (!district) return { places: 0, due: 0, done: 0, late: 0 };
  const communities = await db.query<{ code: string; name: string }>(
    `SELECT a.code, a.name FROM areas a
      WHERE a.level = 5 AND starts_with(a.code, $1)
        AND EXISTS (SELECT 1 FROM cases c WHERE starts_with(c.area_code, a.code))
      ORDER BY a.code LIMIT 4`,
    [district],
  );
  const today = dayBounds(new Date(now.getTime() + 8 * HOUR).toISOString().slice(0, 10)).from;
  const first = new Date(today.getTime() - days * DAY + 8 * HOUR); // 08:00 Beijing, `days` days ago
  const clock = new ManualClock(first);
  let places = 0;
  await db.transaction(async (tx) => {
    for (const c of communities.rows) {
      for (const [kind, name, every, owner] of [
        ['market', `${c.name}农贸市场`, 24, `${c.name}市场管理处`],
        ['supermarket', `${c.name}生活超市`, 12, `${c.name}超市`],
        ['garbage_point', `${c.name}垃圾收集点`, 8, `${c.name}物业`],
      ] as const) {
        await createPlace(
          tx,
          clock,
          { kind, name, areaCode: c.code, everyHours: every, startsAt: first, owner },
          'demo',
          UNSCOPED,
        );
        places++;
      }
    }
  });
  // Day by day: that day's triggers (cases found up to its evening) and its schedule.
  for (let d = days; d >= 0; d--) {
    clock.set(d === 0 ? now : new Date(today.getTime() - d * DAY + 20 * HOUR));
    await db.transaction((tx) => runCaseTriggers(tx, clock, { withinDays: days + 1 }));
    await db.transaction((tx) => generateDue(tx, clock, { backfillHours: 24 * (days + 1) }));
  }
  // What was done: due times before now (the case triggers' all over the city too); one in six left undone.
  const due = await db.query<{ id: number; place_id: number; due_at: Date; n: number }>(
    `SELECT d.id, d.place_id, d.due_at, row_number() OVER (ORDER BY d.due_at, d.id)::int AS n
       FROM disinfection_due d ORDER BY d.due_at, d.id`,
  );
  clock.set(now);
  const agents: Agent[] = ['chlorine', 'chlorine', 'peracetic_acid', 'chlorine_dioxide', 'ethanol_75'];
  let done = 0;
  let late = 0;
  await db.transaction(async (tx) => {
    for (const r of due.rows) {
      if (r.due_at.getTime() >= now.getTime()) continue;
      if (r.n % 6 === 0) {
        late++;
        continue;
      }
      // Most a little before the deadline, every fifth two hours after it (done late).
      const doneAt = new Date(r.due_at.getTime() + (r.n % 5 === 0 ? 120 : -40) * MINUTE);
      if (doneAt.getTime() > now.getTime()) {
        late++; // to be done late, later today
        continue;
      }
      const agent = agents[r.n % agents.length] as Agent;
      await recordDisinfection(
        tx,
        clock,
        {
          key: `demo-disinfection-${r.id}`,
          placeId: r.place_id,
          dueId: r.id,
          doneAt,
          agent,
          concentration: DEFAULT_CONCENTRATION[agent] ?? undefined,
        },
        { userId: null, name: TEAMS[r.n % TEAMS.length] as string },
        UNSCOPED,
      );
      done++;
    }
  });
  return { places, due: due.rows.length, done, late };
}
