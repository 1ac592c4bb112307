/**
 * The demo city's supplies (保供), after the demo outbreak and day (command/demo-day.ts): the community with the most
 * cases becomes a lockdown zone and the rest of its street a control zone (three days ago); a district depot, the
 * city's depot, a support shipment of vegetables from another city that arrived two days ago and one still on the
 * road; three days of requests from households of both zones and from the community, planned by the planner and
 * confirmed, dispatched, at the gate and handed by named community workers and volunteers — except two left at the
 * gate yesterday (late: items on the responsibility list, the district commander's, as the demo names no supply
 * leader) — and today's requests, one delivery planned and not dispatched, others open, infant formula short (the
 * shortfall). Everything goes through the module's own services on a stepped clock. Never used in production mode.
 */
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { SupplyCategory } from '../../domain/supply-plan.ts';
import { UNSCOPED } from '../access/scope.ts';
import { setZone } from '../command/zones.ts';
import { createDelivery, handRequest, recordDeliveryStep } from './deliveries.ts';
import { createDepot } from './depots.ts';
import { checkLateSupplies } from './figures.ts';
import { proposePlan, refreshShortfall } from './planning.ts';
import { createRequest } from './requests.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Who records the demo's steps: the district's supplies dispatcher, by name as an account shows it (not a user name). */
const BY = '区保供专班调度员 周红梅';

export interface DemoSupplies {
  zones: number;
  depots: number;
  requests: number;
  deliveries: number;
  handed: number;
  late: number;
}

const ASKS: { items: { category: SupplyCategory; quantity: number; detail: string }[]; note: string }[] = [
  { items: [{ category: 'groceries', quantity: 1, detail: '蔬菜包、米面油' }], note: '家中三口人' },
  { items: [{ category: 'medicine', quantity: 1, detail: '硝苯地平缓释片' }], note: '高血压，药快吃完了' },
  {
    items: [
      { category: 'infant', quantity: 2, detail: '一段奶粉2罐、纸尿裤' },
      { category: 'groceries', quantity: 1, detail: '蔬菜包' },
    ],
    note: '孩子5个月',
  },
  { items: [{ category: 'elderly', quantity: 1, detail: '成人纸尿裤、助行器' }], note: '独居老人' },
  { items: [{ category: 'groceries', quantity: 2, detail: '蔬菜包、肉蛋' }], note: '' },
  { items: [{ category: 'other', quantity: 1, detail: '卫生巾、洗衣液' }], note: '' },
];
const WORKERS: [string, 'community_worker' | 'volunteer'][] = [
  ['社区网格员刘敏', 'community_worker'],
  ['志愿者王磊', 'volunteer'],
  ['志愿者陈静', 'volunteer'],
  ['社区干部赵刚', 'community_worker'],
];

export async function seedDemoSupplies(db: Db, now: Date): Promise<DemoSupplies> {
  const clock = new ManualClock(new Date(now.getTime() - 3 * 24 * HOUR - 2 * HOUR));
  const out: DemoSupplies = { zones: 0, depots: 0, requests: 0, deliveries: 0, handed: 0, late: 0 };
  const hot = (
    await db.query<{ community: string }>(
      `SELECT left(c.area_code, 12) AS community FROM cases c JOIN areas a ON a.code = left(c.area_code, 12)
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    )
  ).rows[0]?.community;
  if (!hot) return out;
  const street = hot.slice(0, 9);
  const district = hot.slice(0, 6);
  const city = hot.slice(0, 4);
  const names = await db.query<{ code: string; name: string }>(
    'SELECT code, name FROM areas WHERE code = ANY($1::text[])',
    [[hot, street, district, city]],
  );
  const nameOf = (c: string) => names.rows.find((r) => r.code === c)?.name ?? c;
  await db.transaction(async (tx) => {
    // Zones the operation would have set already stay as they are.
    const existing = await tx.query('SELECT 1 FROM zones WHERE status = $1 AND area_code = ANY($2::text[])', [
      'active',
      [hot, street],
    ]);
    if (existing.rows.length === 0) {
      await setZone(
        tx,
        clock,
        { areaCode: street, level: 'control', reason: '病例所在街道，划为管控区', by: BY },
        '',
      );
      await setZone(
        tx,
        clock,
        { areaCode: hot, level: 'lockdown', reason: '病例集中的社区，划为封控区', by: BY },
        '',
      );
      out.zones = 2;
    }
    const depot = (d: Parameters<typeof createDepot>[2]) => createDepot(tx, clock, d, BY, UNSCOPED);
    await depot({
      name: `${nameOf(district)}保供物资仓库`,
      areaCode: district,
      source: 'local',
      origin: '',
      stock: { groceries: 40, medicine: 12, infant: 12, elderly: 6, other: 10 },
    });
    await depot({
      name: `${nameOf(city)}市级保供物资储备库`,
      areaCode: city,
      source: 'local',
      origin: '',
      stock: { groceries: 60, medicine: 20, elderly: 6, other: 10 },
    });
    await depot({
      name: '寿光市支援蔬菜（第一批）',
      areaCode: city,
      source: 'support',
      origin: '山东省寿光市',
      arrivesAt: new Date(now.getTime() - 2 * 24 * HOUR),
      stock: { groceries: 80 },
    });
    await depot({
      name: '延边州支援物资（第二批）',
      areaCode: city,
      source: 'support',
      origin: '延边朝鲜族自治州',
      arrivesAt: new Date(now.getTime() + 20 * HOUR),
      stock: { groceries: 50, infant: 10 },
    });
    out.depots = 4;
  });

  // One resident per household: of the lockdown community first, then of the rest of the street (control zone).
  const households = (
    await db.query<{ person_id: number }>(
      `SELECT DISTINCT ON (household_id) id AS person_id, area_code FROM persons
        WHERE starts_with(area_code, $1) AND purged_at IS NULL ORDER BY household_id, id`,
      [street],
    )
  ).rows
    .map((r) => r as { person_id: number; area_code?: string })
    .sort(
      (a, b) =>
        Number((b.area_code ?? '').startsWith(hot)) - Number((a.area_code ?? '').startsWith(hot)) ||
        a.person_id - b.person_id,
    );
  if (households.length === 0) return out;
  let n = 0;
  const ask = async (i: number, community = false) => {
    const a = ASKS[i % ASKS.length] as (typeof ASKS)[number];
    const personId = (households[i % households.length] as { person_id: number }).person_id;
    const r = await db.transaction(async (tx) => {
      const made = await createRequest(
        tx,
        clock,
        community
          ? {
              key: `demo-supply-${n++}`,
              areaCode: hot,
              urgency: 'normal',
              items: [{ category: 'groceries', quantity: 6, detail: '小区团购蔬菜包' }],
              note: '社区统一申请，门岗交接',
            }
          : { key: `demo-supply-${n++}`, personId, urgency: 'normal', items: a.items, note: a.note },
        BY,
        UNSCOPED,
      );
      await refreshShortfall(tx, clock.now());
      return made;
    });
    out.requests++;
    return r.request.id;
  };
  /** Confirms the planner's proposals; then dispatched, at the gate, and handed (all, or leaving `leave` at the gate). */
  const deliver = async (leave: number, handOut = true) => {
    const plan = await proposePlan(db, UNSCOPED, clock.now());
    let left = leave;
    for (const p of plan.deliveries) {
      const d = await db.transaction(async (tx) => {
        const made = await createDelivery(
          tx,
          clock,
          {
            key: `demo-delivery-${n++}`,
            depotId: p.depot_id,
            areaCode: p.area_code,
            requestIds: p.request_ids,
          },
          BY,
          UNSCOPED,
        );
        await refreshShortfall(tx, clock.now());
        return made;
      });
      out.deliveries++;
      if (!handOut) continue;
      clock.advance(40 * MIN);
      await db.transaction((tx) =>
        recordDeliveryStep(
          tx,
          clock,
          d.delivery.id,
          'dispatched',
          { worker: '保供车司机周建' },
          BY,
          UNSCOPED,
        ),
      );
      clock.advance(50 * MIN);
      await db.transaction((tx) =>
        recordDeliveryStep(tx, clock, d.delivery.id, 'at_gate', { worker: '保供车司机周建' }, BY, UNSCOPED),
      );
      for (const [k, id] of d.request_ids.entries()) {
        if (left > 0) {
          left--;
          continue;
        }
        clock.advance(12 * MIN);
        const [worker, kind] = WORKERS[(id + k) % WORKERS.length] as (typeof WORKERS)[number];
        await db.transaction((tx) => handRequest(tx, clock, id, { worker, workerKind: kind }, BY, UNSCOPED));
        out.handed++;
      }
    }
  };

  // Three days: requests through the morning, deliveries planned at noon and in the evening.
  let i = 0;
  for (const day of [3, 2, 1]) {
    const start = now.getTime() - day * 24 * HOUR;
    clock.set(new Date(start - 2 * HOUR));
    for (let k = 0; k < 6; k++) {
      await ask(i++, k === 5);
      clock.advance(35 * MIN);
    }
    clock.set(new Date(start + 2 * HOUR));
    await deliver(day === 1 ? 2 : 0); // yesterday two requests were left at the gate: late today
    clock.set(new Date(start + 7 * HOUR));
    for (let k = 0; k < 3; k++) {
      await ask(i++);
      clock.advance(20 * MIN);
    }
    await deliver(0);
  }
  // Today: requests of the last hours, one planned and not yet dispatched, the rest open; more infant formula asked
  // for than the depots in reach hold (the support shipment bringing it is still on the road): the shortfall.
  clock.set(new Date(now.getTime() - 3 * HOUR));
  for (let k = 0; k < 4; k++) {
    await ask(i++);
    clock.advance(30 * MIN);
  }
  await deliver(0, false);
  for (let k = 0; k < 4; k++) {
    await ask(i + k * ASKS.length - (i % ASKS.length) + 2); // the infant request, from other households
    clock.advance(10 * MIN);
  }
  clock.set(now);
  out.late = await checkLateSupplies(db, clock);
  await db.transaction((tx) => refreshShortfall(tx, clock.now()));
  return out;
}
