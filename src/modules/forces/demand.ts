/**
 * The day's demand for people (力量需求), per area (the street: the first 9 digits of the place's code), skill and
 * shift, computed from the modules' own data. Each rule says where it comes from (docs/FORCES.md):
 * - samplers (采样): every sampling point of a round running that day needs its `samplers` (the testing module's
 *   rule, residents ÷ 360: testing/planner.ts `samplersFor`) in the day and evening shifts (points open 08–24);
 * - quarantine-site staff (隔离点工作人员) and medical staff (医护): every site in service (active, full or closing:
 *   people are still in it) needs, in each of the three
 *   shifts, max(2, ⌈occupied ÷ 30⌉) staff and max(1, ⌈occupied ÷ 50⌉) medical staff (this module's rule:
 *   SITE_STAFF_PER, SITE_MEDICAL_PER);
 * - drivers (司机): one per vehicle with a transfer trip planned in that shift of the day (the transfer module's
 *   trips), at the vehicle's depot;
 * - community workers (社区): one per 100 households (HOUSEHOLDS_PER_WORKER) in areas under an active lockdown or
 *   control zone, in the day shift (door-knocking and services at the door, 敲门行动, 服务上门).
 */
import type { Queryable } from '../../db/types.ts';
import { type ShiftCode, type Skill, type Slot, shiftTimes } from '../../domain/roster-proposer.ts';
import { siteInService } from '../isolation/waiting.ts';

export const SITE_STAFF_PER = 30;
export const SITE_MEDICAL_PER = 50;
export const HOUSEHOLDS_PER_WORKER = 100;
const SAMPLING_SHIFTS: ShiftCode[] = ['day', 'evening'];
const ALL_SHIFTS: ShiftCode[] = ['night', 'day', 'evening'];

export type DemandSource = 'sampling_points' | 'sites' | 'trips' | 'zone_households';

export interface DemandSlot extends Slot {
  shift: ShiftCode;
  source: DemandSource;
}

const STREET = (col: string) => `left(${col}, 9)`;

/** The demand inside the area `prefix` ('' = everywhere) on the Beijing day `day` (YYYY-MM-DD). */
export async function dayDemand(db: Queryable, prefix: string, day: string): Promise<DemandSlot[]> {
  const from = new Date(`${day}T00:00:00+08:00`);
  const to = new Date(from.getTime() + 86_400_000);
  const out: DemandSlot[] = [];
  const push = (area: string, skill: Skill, shifts: ShiftCode[], need: number, source: DemandSource) => {
    if (need <= 0) return;
    for (const shift of shifts) {
      const t = shiftTimes(day, shift);
      out.push({ area, skill, shift, need, starts: t.starts, ends: t.ends, source });
    }
  };
  const sampling = await db.query<{ area: string; n: number }>(
    `SELECT ${STREET('sp.area_code')} AS area, sum(sp.samplers)::int AS n
       FROM sampling_points sp JOIN rounds r ON r.id = sp.round_id
      WHERE r.status <> 'closed' AND r.starts_at < $2 AND r.deadline_at > $1 AND starts_with(sp.area_code, $3)
      GROUP BY 1 ORDER BY 1`,
    [from, to, prefix],
  );
  for (const r of sampling.rows) push(r.area, 'sampler', SAMPLING_SHIFTS, Number(r.n), 'sampling_points');
  const sites = await db.query<{ area: string; staff: number; medical: number }>(
    `WITH occ AS (
       SELECT s.id, s.area_code,
              (SELECT count(*) FROM rooms r WHERE r.site_id = s.id AND r.status IN ('reserved', 'occupied'))
              + (SELECT count(*) FROM beds b WHERE b.site_id = s.id AND b.status IN ('reserved', 'occupied')) AS n
         FROM sites s WHERE ${siteInService('s')} AND starts_with(s.area_code, $1))
     SELECT ${STREET('area_code')} AS area,
            sum(greatest(2, ceil(n / ${SITE_STAFF_PER}.0)))::int AS staff,
            sum(greatest(1, ceil(n / ${SITE_MEDICAL_PER}.0)))::int AS medical
       FROM occ GROUP BY 1 ORDER BY 1`,
    [prefix],
  );
  for (const r of sites.rows) {
    push(r.area, 'site_staff', ALL_SHIFTS, Number(r.staff), 'sites');
    push(r.area, 'medical', ALL_SHIFTS, Number(r.medical), 'sites');
  }
  const trips = await db.query<{ area: string; shift: number; n: number }>(
    `SELECT ${STREET('v.depot_area_code')} AS area,
            floor(extract(epoch FROM t.planned_at - $1::timestamptz) / 28800)::int AS shift,
            count(DISTINCT t.vehicle_id)::int AS n
       FROM trips t JOIN vehicles v ON v.id = t.vehicle_id
      WHERE t.planned_at >= $1 AND t.planned_at < $2 AND t.status <> 'cancelled' AND starts_with(v.depot_area_code, $3)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [from, to, prefix],
  );
  for (const r of trips.rows)
    push(r.area, 'driver', [ALL_SHIFTS[Number(r.shift)] ?? 'day'], Number(r.n), 'trips');
  const households = await db.query<{ area: string; n: number }>(
    `SELECT ${STREET('h.area_code')} AS area, count(DISTINCT h.id)::int AS n
       FROM households h JOIN zones z ON z.status = 'active' AND z.level IN ('lockdown', 'control')
                                    AND starts_with(h.area_code, z.area_code)
      WHERE starts_with(h.area_code, $1)
      GROUP BY 1 ORDER BY 1`,
    [prefix],
  );
  for (const r of households.rows)
    push(r.area, 'community', ['day'], Math.ceil(Number(r.n) / HOUSEHOLDS_PER_WORKER), 'zone_households');
  return out;
}
