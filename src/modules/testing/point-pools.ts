/**
 * How each sampling point samples, from the zone its area is in (the strongest active zone on the area or above
 * it) and the round's pooling policy: lockdown single tubes (or one tube per household), control 10 in 1,
 * prevention and the rest 20 in 1 by default. The sampler's phone shows it; a scan without a pool size gets it.
 * (Isolated people and key groups get a single tube whatever the point says: the scan flags them.)
 */
import type { Queryable } from '../../db/types.ts';
import type { PoolingPolicy, SampleMode, ZoneLevel } from '../../domain/pooling.ts';
import { marchEquivalent, type ZoneLevel as StoredLevel, ZONE_RANK_SQL } from '../command/zones.ts';

/** A household tube holds the household, closed by hand; this is its capacity. */
export const HOUSEHOLD_TUBE_CAPACITY = 10;

export interface PointPool {
  id: number;
  area_code: string;
  name: string;
  samplers: number;
  /** The zone level it samples by (a June-2022 risk area as the March level it ranks as). */
  zone: ZoneLevel | null;
  /** The level of the zone as set (lockdown…prevention or high…low). */
  risk_level: StoredLevel | null;
  mode: SampleMode;
  pool_size: number;
}

export function poolForZone(
  zone: ZoneLevel | null,
  policy: PoolingPolicy,
): { mode: SampleMode; pool_size: number } {
  switch (zone) {
    case 'lockdown':
      return policy.lockdown === 'single'
        ? { mode: 'single', pool_size: 1 }
        : { mode: 'household', pool_size: HOUSEHOLD_TUBE_CAPACITY };
    case 'control':
      return { mode: policy.control === 1 ? 'single' : 'pooled', pool_size: policy.control };
    case 'prevention':
      return { mode: policy.prevention === 1 ? 'single' : 'pooled', pool_size: policy.prevention };
    default:
      return { mode: policy.other === 1 ? 'single' : 'pooled', pool_size: policy.other };
  }
}

export async function pointPools(
  q: Queryable,
  roundId: number,
  policy: PoolingPolicy,
  scopePrefix: string,
): Promise<PointPool[]> {
  const { rows } = await q.query<
    Omit<PointPool, 'mode' | 'pool_size' | 'zone'> & { zone: StoredLevel | null }
  >(
    `SELECT sp.id, sp.area_code, sp.name, sp.samplers,
            (SELECT z.level FROM zones z WHERE z.status = 'active' AND starts_with(sp.area_code, z.area_code)
              ORDER BY ${ZONE_RANK_SQL('z.level')} DESC LIMIT 1) AS zone
       FROM sampling_points sp WHERE sp.round_id = $1 AND starts_with(sp.area_code, $2) ORDER BY sp.id`,
    [roundId, scopePrefix],
  );
  // A June-2022 risk area samples as the March level it ranks as (high = lockdown, medium = control, low = prevention).
  return rows.map((p) => {
    const zone = p.zone === null ? null : marchEquivalent(p.zone);
    return { ...p, zone, risk_level: p.zone, ...poolForZone(zone, policy) };
  });
}
