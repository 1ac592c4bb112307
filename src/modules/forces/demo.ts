/**
 * The demo city's forces (力量调配), after the demo outbreak and day (command/demo-day.ts): workers for today's real
 * demand — the round's sampling points, the open sites, the transfer trips, the lockdown and control zones —
 * registered from the residents of each street (a little short of samplers, so the board shows a shortfall), two
 * support teams from other cities (one here since yesterday, one arriving tomorrow), today's roster of the city
 * proposed from that demand and confirmed by the commander, and a closed loop at an open site with two days of
 * daily tests, one of today's missing (a gap on the responsibility list). Everything goes through the module's
 * own services. Never used in production mode.
 */
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { Skill } from '../../domain/roster-proposer.ts';
import { UNSCOPED } from '../access/scope.ts';
import { dayDemand } from './demand.ts';
import { checkLoopGaps, createLoop, ensureSchedule, joinLoop, recordLoopTest } from './loops.ts';
import { confirmRoster, proposeAreaRoster } from './rosters.ts';
import { createTeam, createWorker } from './workers.ts';

const HOUR = 3_600_000;
/** Who records the demo's steps: the city's forces dispatcher, by name as an account shows it (not a user name). */
const BY = '市疫情防控指挥部力量调配组调度员 孙立军';
/** Who confirms today's roster: the city's commander, by name. */
const COMMANDER = '市疫情防控指挥部指挥长 高建华';
/** Samplers registered per sampler needed in a day: a little short, so the board has a shortfall to show. */
const SAMPLER_SHARE = 0.85;
const MAX_WORKERS = 600;

export interface DemoForces {
  workers: number;
  teams: number;
  roster: { id: number; shifts: number; short: number };
  loop: { id: number; workers: number; gaps: number };
}

const beijingDay = (at: Date) => new Date(at.getTime() + 8 * HOUR).toISOString().slice(0, 10);
const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
  '高',
  '林',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
];
const nameOf = (i: number) =>
  `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 5 + 3) % GIVEN.length]}${GIVEN[(i * 3 + 1) % GIVEN.length]}`;

export async function seedDemoForces(db: Db, now: Date): Promise<DemoForces> {
  const today = beijingDay(now);
  const yesterday = beijingDay(new Date(now.getTime() - 24 * HOUR));
  const tomorrow = beijingDay(new Date(now.getTime() + 24 * HOUR));
  const city = (
    await db.query<{ code: string }>('SELECT code FROM areas WHERE level = 2 ORDER BY code LIMIT 1')
  ).rows[0]?.code;
  if (!city) throw new Error('no city in the registry: seed the demo city first');
  const clock = new ManualClock(new Date(now.getTime() - 30 * HOUR));
  // People needed per street and skill today: one shift a day each (the rest rule), so the sum over shifts.
  const demand = await dayDemand(db, city, today);
  const need = new Map<string, number>();
  for (const d of demand) need.set(`${d.area}|${d.skill}`, (need.get(`${d.area}|${d.skill}`) ?? 0) + d.need);
  const total = [...need.values()].reduce((a, n) => a + n, 0);
  const scale = Math.min(1, MAX_WORKERS / Math.max(1, total));
  // The hardest street (most samplers needed) gets the support teams.
  const samplerStreets = [...need.entries()]
    .filter(([k]) => k.endsWith('|sampler'))
    .sort((a, b) => b[1] - a[1]);
  const teamArea = (samplerStreets[0]?.[0].split('|')[0] ?? city).slice(0, 6);
  const teams = await db.transaction(async (tx) => [
    await createTeam(
      tx,
      clock,
      {
        name: '四平市核酸采样支援队',
        originCity: '四平市',
        areaCode: teamArea,
        size: 24,
        arrivesOn: yesterday,
        leavesOn: beijingDay(new Date(now.getTime() + 14 * 24 * HOUR)),
      },
      BY,
      UNSCOPED,
    ),
    await createTeam(
      tx,
      clock,
      {
        name: '辽源市医疗支援队',
        originCity: '辽源市',
        areaCode: teamArea,
        size: 12,
        arrivesOn: tomorrow,
        leavesOn: beijingDay(new Date(now.getTime() + 21 * 24 * HOUR)),
      },
      BY,
      UNSCOPED,
    ),
  ]);
  let workers = 0;
  let n = 0;
  await db.transaction(async (tx) => {
    const used = new Set<number>();
    for (const [k, count] of [...need.entries()].sort()) {
      const [area, skill] = k.split('|') as [string, Skill];
      const want = Math.max(1, Math.round(count * scale * (skill === 'sampler' ? SAMPLER_SHARE : 1)));
      const people = await tx.query<{ id: number; area_code: string }>(
        `SELECT p.id, p.area_code FROM persons p
          WHERE starts_with(p.area_code, $1) AND p.purged_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = p.id AND r.risk_status <> 'none')
            AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.person_id = p.id)
          ORDER BY p.id LIMIT $2`,
        [area, want * 2],
      );
      const pool = people.rows.filter((p) => !used.has(Number(p.id)));
      for (let i = 0; i < want; i++) {
        const p = pool[i];
        if (p) used.add(Number(p.id));
        n++;
        await createWorker(
          tx,
          clock,
          {
            key: `demo-worker-${n}`,
            name: nameOf(n),
            role: skill,
            skills:
              skill === 'sampler' && n % 4 === 0 ? ['volunteer'] : skill === 'community' ? ['chief'] : [],
            areaCode: p?.area_code ?? area,
            personId: p ? Number(p.id) : undefined,
          },
          BY,
          UNSCOPED,
        );
        workers++;
      }
    }
    // The support teams' members (not residents: no registry link). The second team arrives tomorrow.
    const [here, coming] = teams as [(typeof teams)[number], (typeof teams)[number]];
    for (const [t, skill, size] of [
      [here, 'sampler', 24],
      [coming, 'medical', 12],
    ] as const)
      for (let i = 0; i < size; i++) {
        n++;
        await createWorker(
          tx,
          clock,
          {
            key: `demo-worker-${n}`,
            name: nameOf(n),
            role: skill,
            skills: skill === 'sampler' ? ['volunteer'] : [],
            areaCode: t.area_code,
            teamId: t.id,
          },
          BY,
          UNSCOPED,
        );
        workers++;
      }
  });
  // Today's roster of the city, proposed from the demand and confirmed by the commander.
  clock.set(new Date(now.getTime() - 2 * HOUR));
  const roster = await db.transaction(async (tx) => {
    const r = await proposeAreaRoster(tx, clock, { areaCode: city, day: today }, BY, UNSCOPED);
    await confirmRoster(tx, clock, r.id, COMMANDER, UNSCOPED);
    const s = await tx.query<{ shifts: number; short: number }>(
      `SELECT (SELECT count(*)::int FROM roster_shifts WHERE roster_id = $1 AND status = 'confirmed') AS shifts,
              (SELECT coalesce(sum(short), 0)::int FROM roster_shortfalls WHERE roster_id = $1) AS short`,
      [r.id],
    );
    return { id: Number(r.id), shifts: s.rows[0]?.shifts ?? 0, short: s.rows[0]?.short ?? 0 };
  });
  // A closed loop at an open site, set up yesterday: its site staff and medical staff of today's roster.
  const site = (
    await db.query<{ id: number; name: string; area_code: string }>(
      `SELECT id, name, area_code FROM sites WHERE status = 'active' ORDER BY (kind = 'designated_hospital') DESC, id LIMIT 1`,
    )
  ).rows[0];
  let loop = { id: 0, workers: 0, gaps: 0 };
  if (site) {
    clock.set(new Date(now.getTime() - 30 * HOUR));
    // Due two hours before now (Beijing), so today's test is already due.
    const testHour = (new Date(now.getTime() + 8 * HOUR).getUTCHours() + 22) % 24;
    const members = await db.query<{ worker_id: number }>(
      `SELECT DISTINCT s.worker_id FROM roster_shifts s JOIN workers w ON w.id = s.worker_id
        WHERE s.roster_id = $1 AND s.skill IN ('site_staff', 'medical') AND starts_with(s.area_code, left($2, 9))
          AND w.person_id IS NOT NULL
        ORDER BY s.worker_id LIMIT 8`,
      [roster.id, site.area_code],
    );
    const ids = members.rows.map((m) => Number(m.worker_id));
    const l = await db.transaction(async (tx) => {
      const made = await createLoop(
        tx,
        clock,
        {
          name: `${site.name}闭环管理`,
          areaCode: site.area_code,
          siteId: Number(site.id),
          lodging: `${site.name}旁驻地酒店`,
          post: site.name,
          transport: '专车点对点接送',
          testHour,
        },
        BY,
        UNSCOPED,
      );
      if (ids.length > 0) await joinLoop(tx, clock, made.id, ids, UNSCOPED);
      return made;
    });
    // Yesterday's and today's tests: all taken, but one of today's.
    for (const [d, skip] of [
      [yesterday, -1],
      [today, ids.length - 1],
    ] as const) {
      const due = new Date(new Date(`${d}T00:00:00+08:00`).getTime() + testHour * HOUR);
      if (due.getTime() > now.getTime()) continue;
      clock.set(new Date(due.getTime() + 20 * 60_000));
      await db.transaction(async (tx) => {
        await ensureSchedule(tx, clock.now());
        for (const [i, w] of ids.entries()) {
          if (i === skip) continue;
          await recordLoopTest(
            tx,
            clock,
            {
              key: `demo-loop-${d}-${w}`,
              workerId: w,
              takenAt: new Date(due.getTime() + 10 * 60_000),
              result: 'negative',
            },
            BY,
            UNSCOPED,
          );
        }
      });
    }
    clock.set(now);
    const gaps = await checkLoopGaps(db, clock);
    loop = { id: Number(l.id), workers: ids.length, gaps };
  }
  return { workers, teams: teams.length, roster, loop };
}
