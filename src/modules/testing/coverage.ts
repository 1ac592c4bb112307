/**
 * Coverage and clocks of a round (应检尽检): per child area of the requested area, registry residents vs sampled vs
 * resulted, and for each of the four stages (collect, transport, test, report) how far it has got and when it
 * last moved, against the round's deadline. And the door-knocking list: residents of a grid not yet sampled,
 * grouped by household, special groups flagged.
 */
import type { Queryable } from '../../db/types.ts';
import { ageOn } from '../../domain/id-number.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { specialGroups } from '../registry/presenters.ts';
import { riskJoin, riskOf } from '../registry/risk.ts';

export interface AreaCoverage {
  code: string;
  name: string;
  /** Whether the area is (partly) among the round's targets. */
  in_round: boolean;
  /** Residents of the round's target areas living here. */
  residents: number;
  /** Of them, sampled in the round (wherever they were sampled). */
  sampled: number;
  resulted: number;
  /** Scans of people not in the registry (travellers) at points here. */
  unregistered: number;
  tubes: number;
  tubes_closed: number;
  tubes_shipped: number;
  tubes_received: number;
  tubes_resulted: number;
  positive_tubes: number;
  last_scan_at: Date | null;
  last_result_at: Date | null;
}

/** Coverage of the children of `parent` (or of the round's own areas when parent is absent), inside the scope. */
export async function roundCoverage(
  db: Queryable,
  scope: Scope,
  roundId: number,
  parent: string,
): Promise<AreaCoverage[]> {
  const params: unknown[] = [roundId, parent];
  const personScope = scopeCondition('p.area_code', scope, params);
  const scanScope = scopeCondition('s.area_code', scope, params);
  const tubeScope = scopeCondition('t.area_code', scope, params);
  // Residents, sampled and resulted count people by their home area (a resident sampled at a point in another
  // area counts at home), and only residents of the round's target areas; tubes and scans count by point.
  const { rows } = await db.query<AreaCoverage>(
    `WITH kids AS (SELECT code, name FROM areas WHERE parent_code = $2),
     targets AS (SELECT area_code FROM round_areas WHERE round_id = $1),
     people AS (
       SELECT p.id, p.area_code FROM persons p
        WHERE p.purged_at IS NULL AND p.area_code >= $2 AND p.area_code < $2 || ':' AND ${personScope}
          AND EXISTS (SELECT 1 FROM targets ta WHERE starts_with(p.area_code, ta.area_code))
     )
     SELECT k.code, k.name,
       EXISTS (SELECT 1 FROM targets ta WHERE starts_with(k.code, ta.area_code) OR starts_with(ta.area_code, k.code)) AS in_round,
       (SELECT count(*) FROM people p WHERE p.area_code >= k.code AND p.area_code < k.code || ':') AS residents,
       (SELECT count(*) FROM people p JOIN round_people rp ON rp.round_id = $1 AND rp.person_id = p.id
         WHERE p.area_code >= k.code AND p.area_code < k.code || ':') AS sampled,
       (SELECT count(DISTINCT p.id) FROM people p JOIN scans s ON s.round_id = $1 AND s.person_id = p.id JOIN tubes t ON t.id = s.tube_id
         WHERE t.status = 'resulted' AND p.area_code >= k.code AND p.area_code < k.code || ':') AS resulted,
       (SELECT count(*) FROM scans s WHERE s.round_id = $1 AND s.person_id IS NULL AND s.area_code >= k.code AND s.area_code < k.code || ':' AND ${scanScope}) AS unregistered,
       t.tubes, t.tubes_closed, t.tubes_shipped, t.tubes_received, t.tubes_resulted, t.positive_tubes,
       (SELECT max(s.scanned_at) FROM scans s WHERE s.round_id = $1 AND s.area_code >= k.code AND s.area_code < k.code || ':' AND ${scanScope}) AS last_scan_at,
       t.last_result_at
     FROM kids k
     CROSS JOIN LATERAL (
       SELECT count(*) AS tubes,
              count(*) FILTER (WHERE t.status <> 'open') AS tubes_closed,
              count(*) FILTER (WHERE t.shipped_at IS NOT NULL) AS tubes_shipped,
              count(*) FILTER (WHERE t.received_at IS NOT NULL) AS tubes_received,
              count(*) FILTER (WHERE t.status = 'resulted') AS tubes_resulted,
              count(*) FILTER (WHERE t.result = 'positive') AS positive_tubes,
              max(t.resulted_at) AS last_result_at
         FROM tubes t WHERE t.round_id = $1 AND t.area_code >= k.code AND t.area_code < k.code || ':' AND ${tubeScope}
     ) t
     WHERE starts_with(k.code, $${params.length + 1}) OR starts_with($${params.length + 1}, k.code)
     ORDER BY k.code`,
    [...params, scope.prefix],
  );
  return rows;
}

export interface UnsampledHousehold {
  household_id: number;
  address: string;
  members: {
    id: number;
    name: string;
    area_code: string;
    birth_date: string;
    pregnant: boolean;
    disabled: boolean;
    chronic_illness: boolean;
    risk_status: string;
  }[];
}

/**
 * Residents of the round's areas (within the caller's scope, usually narrowed to a grid) with no scan in the round:
 * the door-knocking list, by household. People outside the round's areas are not in it, however unsampled.
 */
export async function unsampled(
  db: Queryable,
  scope: Scope,
  roundId: number,
  limit: number,
  afterHousehold = 0,
): Promise<UnsampledHousehold[]> {
  const params: unknown[] = [roundId, limit, afterHousehold];
  const { rows } = await db.query<UnsampledHousehold>(
    `SELECT p.household_id, min(p.address) AS address,
            jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name, 'area_code', p.area_code, 'birth_date', p.birth_date, 'pregnant', p.pregnant,
              'disabled', p.disabled, 'chronic_illness', p.chronic_illness, 'risk_status', ${riskOf('p')}) ORDER BY p.id) AS members
       FROM persons p ${riskJoin('p')}
      WHERE p.purged_at IS NULL AND ${scopeCondition('p.area_code', scope, params)}
        AND EXISTS (SELECT 1 FROM round_areas ra WHERE ra.round_id = $1 AND starts_with(p.area_code, ra.area_code))
        AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.round_id = $1 AND s.person_id = p.id)
        AND p.household_id > $3
      GROUP BY p.household_id ORDER BY p.household_id LIMIT $2`,
    params,
  );
  return rows;
}

const EXPORT_HOUSEHOLDS = 2_000;

type UnsampledMember = UnsampledHousehold['members'][number] & { household_id: number; address: string };

/**
 * The whole door-knocking list of an area as the server's export: one row per resident not yet sampled, by
 * household (keyset on the household), with age and special groups, never cut at the page's limit. The caller
 * checks the permission (person.read) and audits the read.
 */
export function unsampledExport(
  db: Queryable,
  scope: Scope,
  roundId: number,
  today: Date,
): ExportSpec<UnsampledMember> {
  return {
    name: ['未采样人员', 'not yet sampled'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['户号', 'Household'], value: (r) => r.household_id },
      { header: ['地址', 'Address'], value: (r) => r.address },
      { header: ['姓名', 'Name'], value: (r) => r.name },
      { header: ['年龄', 'Age'], value: (r) => ageOn(r.birth_date, today) },
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      {
        header: ['特殊人群', 'Special groups'],
        value: (r, c) =>
          specialGroups(r, today)
            .map((g) => c.word('specialGroup', g))
            .join(c.lang === 'zh' ? '、' : ', '),
      },
      { header: ['风险状态', 'Risk status'], value: (r, c) => c.word('riskStatus', r.risk_status) },
    ],
    page: async (last) => {
      const households = await unsampled(db, scope, roundId, EXPORT_HOUSEHOLDS, last?.household_id ?? 0);
      return households.flatMap((h) =>
        h.members.map((m) => ({ ...m, household_id: Number(h.household_id), address: h.address })),
      );
    },
  };
}
