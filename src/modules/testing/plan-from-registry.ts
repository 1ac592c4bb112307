/** Feeds the round planner from the registry: residents, households and isolated people per community, and labs. */
import type { Queryable } from '../../db/types.ts';
import type { PoolingPolicy } from '../../domain/pooling.ts';
import { DEFAULT_POOLING_POLICY } from '../../domain/pooling.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { riskJoin } from '../registry/risk.ts';
import { planRound, type RoundPlan } from './planner.ts';
import { ISOLATED_STATUSES } from './scans.ts';

export async function planFromRegistry(
  db: Queryable,
  scope: Scope,
  o: {
    areas: readonly string[];
    startsAt: Date;
    deadlineHours: number;
    samplersAvailable?: number;
    policy?: Partial<PoolingPolicy>;
  },
): Promise<RoundPlan> {
  const outside = o.areas.filter((a) => !a.startsWith(scope.prefix));
  if (outside.length > 0)
    throw new AppError(403, 'out_of_jurisdiction', `outside your jurisdiction: ${outside.join(', ')}`);
  const params: unknown[] = [[...o.areas], ISOLATED_STATUSES];
  const { rows } = await db.query<{
    code: string;
    name: string;
    population: number;
    households: number;
    isolated: number;
  }>(
    `SELECT left(p.area_code, 12) AS code, a.name, count(*) AS population, count(DISTINCT p.household_id) AS households,
            count(*) FILTER (WHERE p_risk.risk_status = ANY($2::text[])) AS isolated
       FROM persons p JOIN areas a ON a.code = left(p.area_code, 12) ${riskJoin('p')}
      WHERE p.purged_at IS NULL AND ${scopeCondition('p.area_code', scope, params)}
        AND EXISTS (SELECT 1 FROM unnest($1::text[]) t(code) WHERE starts_with(p.area_code, t.code))
      GROUP BY 1, 2 ORDER BY 1`,
    params,
  );
  if (rows.length === 0)
    throw new AppError(400, 'areas_empty', 'no residents in these areas: nothing to plan');
  const labs = await db.query<{ id: number; name: string; daily_capacity_tubes: number }>(
    'SELECT id, name, daily_capacity_tubes FROM labs ORDER BY id',
  );
  return planRound({
    startsAt: o.startsAt,
    deadlineHours: o.deadlineHours,
    areas: rows.map((r) => ({ ...r, zone: null })),
    policy: { ...DEFAULT_POOLING_POLICY, ...o.policy },
    labs: labs.rows.map((l) => ({ id: l.id, name: l.name, dailyCapacityTubes: l.daily_capacity_tubes })),
    samplersAvailable: o.samplersAvailable,
  });
}
