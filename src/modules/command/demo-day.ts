/**
 * The demo's working day, after the demo outbreak (demo-outbreak.ts), so every page of a first `npm start` has
 * something true to show: leaders with their patches (包保) for the city and each district, a mass-testing round
 * in progress on the district with the most cases (started this morning, about 60 % of its residents sampled into
 * 10-in-1 tubes at the round's own sampling points), and today's trips planned for the people placed and not yet
 * arrived, some of them on the road. A reserve tier of sites stays closed, for the commander to open.
 * Everything is written by the modules' own services; only who is sampled when is chosen here. Never used in
 * production mode.
 */
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedDemoDisinfection } from '../disinfection/demo.ts';
import { type DemoForces, seedDemoForces } from '../forces/demo.ts';
import { type DemoMedical, seedDemoMedical } from '../medical/demo.ts';
import { type DemoSupplies, seedDemoSupplies } from '../supplies/demo.ts';
import { createRound } from '../testing/rounds.ts';
import { recordScans, type ScanInput } from '../testing/scans.ts';
import { depart, planPendingTrips } from '../transfer/trips.ts';
import { setLeader } from './responsibility.ts';

const HOUR = 3_600_000;

export interface DemoDay {
  leaders: number;
  round: { id: number; name: string; district: string; people: number; sampled: number; tubes: number };
  trips: { planned: number; departed: number };
  /** 就医: hospitals' colours and capacities, three days of requests, an open emergency (medical/demo.ts). */
  medical: DemoMedical;
  /** 保供: zones on the hardest-hit street, depots and stock, three days of requests and deliveries (supplies/demo.ts). */
  supplies: DemoSupplies;
  /** Environmental disinfection: places, due times, done and left late (disinfection/demo.ts). */
  disinfection: { places: number; due: number; done: number; late: number };
  /** 力量调配: workers, support teams, today's roster confirmed, a closed loop with a gap (forces/demo.ts). */
  forces: DemoForces;
}

/** A few plausible names; leaders are people of the operation, not residents of the registry. */
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱'];
const GIVEN = [
  '建国',
  '志强',
  '丽华',
  '海峰',
  '春雨',
  '立新',
  '秀英',
  '国庆',
  '晓东',
  '玉兰',
  '明辉',
  '红梅',
];
const nameOf = (i: number): string => `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7 + 3) % GIVEN.length]}`;

export async function seedDemoDay(db: Db, now: Date, sampledShare = 0.6): Promise<DemoDay> {
  const clock = new ManualClock(new Date(now.getTime() - 6 * HOUR));
  const city = (
    await db.query<{ code: string; name: string }>(
      'SELECT code, name FROM areas WHERE level = 2 ORDER BY code LIMIT 1',
    )
  ).rows[0];
  if (!city) throw new Error('no city in the registry: seed the demo city first');
  const districts = await db.query<{ code: string; name: string; cases: number }>(
    `SELECT a.code, a.name, (SELECT count(*)::int FROM cases c WHERE starts_with(c.area_code, a.code)) AS cases
       FROM areas a WHERE a.level = 3 AND starts_with(a.code, $1) ORDER BY a.code`,
    [city.code],
  );

  // Leaders: the city's commander, and each district's; the hardest-hit district also has its testing and
  // isolation leads.
  let leaders = 0;
  await db.transaction(async (tx) => {
    await setLeader(tx, clock, {
      name: nameOf(0),
      title: `${city.name}疫情防控指挥部总指挥`,
      areaCode: city.code,
      function: 'all',
    });
    leaders++;
    for (const [i, d] of districts.rows.entries()) {
      await setLeader(tx, clock, {
        name: nameOf(i + 1),
        title: `${d.name}疫情防控指挥部指挥长`,
        areaCode: d.code,
        function: 'all',
      });
      leaders++;
    }
  });
  const hardest = [...districts.rows].sort((a, b) => b.cases - a.cases || a.code.localeCompare(b.code))[0];
  if (!hardest) throw new Error('no district in the registry');
  await db.transaction(async (tx) => {
    for (const [j, fn] of (['testing', 'isolation', 'transfer'] as const).entries()) {
      await setLeader(tx, clock, {
        name: nameOf(districts.rows.length + 1 + j),
        title: `${hardest.name}${fn === 'testing' ? '核酸检测组组长' : fn === 'isolation' ? '隔离转运组组长' : '转运专班负责人'}`,
        areaCode: hardest.code,
        function: fn,
      });
      leaders++;
    }
  });

  // A round on the hardest-hit district, started six hours ago, 24 hours to finish.
  const name = `${hardest.name}全员核酸检测（第 1 轮）`;
  const { round } = await db.transaction((tx) =>
    createRound(tx, clock, { name, areas: [hardest.code], deadlineHours: 24, createdBy: 'demo' }, ''),
  );
  const points = await db.query<{ id: number; area_code: string }>(
    'SELECT id, area_code FROM sampling_points WHERE round_id = $1 ORDER BY id',
    [round.id],
  );
  const pointOf = new Map<string, number>();
  for (const p of points.rows) if (!pointOf.has(p.area_code)) pointOf.set(p.area_code, p.id);
  const residents = await db.query<{ id: number; community: string }>(
    `SELECT id, left(area_code, 12) AS community FROM persons
      WHERE starts_with(area_code, $1) AND purged_at IS NULL ORDER BY hashint8extended(id, 7)`,
    [hardest.code],
  );
  // The sampled share, those not isolated; grouped by sampling point, ten to a tube, over the last five hours.
  const people = residents.rows.slice(0, Math.round(residents.rows.length * sampledShare));
  const byPoint = new Map<number, number[]>();
  for (const p of people) {
    const point = pointOf.get(p.community);
    if (point === undefined) continue;
    const list = byPoint.get(point) ?? [];
    list.push(p.id);
    byPoint.set(point, list);
  }
  const scans: ScanInput[] = [];
  let tubes = 0;
  const start = now.getTime() - 5 * HOUR;
  for (const [point, ids] of [...byPoint.entries()].sort((a, b) => a[0] - b[0])) {
    ids.sort((a, b) => a - b);
    for (let i = 0; i < ids.length; i++) {
      if (i % 10 === 0) tubes++;
      const at = start + Math.floor((i / ids.length) * 5 * HOUR);
      scans.push({
        key: `demo-${round.id}-${ids[i]}`,
        tube: `D${String(round.id).padStart(3, '0')}${String(tubes).padStart(7, '0')}`,
        personId: ids[i] as number,
        pointId: point,
        scannedAt: new Date(at),
        poolSize: 10,
      });
    }
  }
  clock.set(now);
  let sampled = 0;
  for (let i = 0; i < scans.length; i += 2000) {
    const out = await db.transaction((tx) =>
      recordScans(
        tx,
        clock,
        { roundId: round.id, sampler: 'demo', defaultPoolSize: 10 },
        scans.slice(i, i + 2000),
      ),
    );
    sampled += out.filter((o) => o.status === 'accepted').length;
  }

  // Trips for everyone placed and not arrived, on a shift from now (the default 06:00-22:00 shift has no room left
  // for a trip late in the evening, and a demo started then had none); the first trip of a third of the vehicles
  // on the road.
  const plan = await db.transaction((tx) =>
    planPendingTrips(tx, clock, UNSCOPED, { shiftStart: clock.now(), windowHours: 16 }),
  );
  const firstOf = new Map<number, (typeof plan.trips)[number]>();
  for (const t of plan.trips) {
    const f = firstOf.get(t.vehicleId);
    if (!f || t.sequence < f.sequence) firstOf.set(t.vehicleId, t);
  }
  const leaving = [...firstOf.values()].sort((a, b) => a.id - b.id);
  let departed = 0;
  await db.transaction(async (tx) => {
    for (const t of leaving.slice(0, Math.ceil(leaving.length / 3))) {
      await depart(tx, clock, t.id, '');
      departed++;
    }
  });
  return {
    leaders,
    round: { id: round.id, name, district: hardest.code, people: residents.rows.length, sampled, tubes },
    trips: { planned: plan.trips.length, departed },
    medical: await seedDemoMedical(db, now),
    disinfection: await seedDemoDisinfection(db, now),
    supplies: await seedDemoSupplies(db, now),
    forces: await seedDemoForces(db, now),
  };
}
