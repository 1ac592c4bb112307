/**
 * The whole list of open stays (在管人员) as the server's export: the same rows as GET /isolation/stays (people of
 * the jurisdiction or at its sites, placed or arrived), keyset-paged on the placement id so the export never cuts
 * at the screen's 1,000 rows. Names only for those who may read people (the caller audits the read).
 */
import type { Queryable } from '../../db/types.ts';
import { type Phrase, renderPhrase } from '../../domain/phrase.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import type { Scope } from '../access/scope.ts';
import { stayScopeCondition } from './stay-scope.ts';

interface StayRow {
  id: number;
  person_name: string | null;
  area_code: string;
  category: string;
  site: string;
  site_area: string;
  room: string | null;
  bed: string | null;
  status: string;
  reason: string | null;
  reason_phrase: Phrase[] | null;
  found_at: Date | null;
  placed_at: Date | null;
  arrived_at: Date | null;
  due_at: Date | null;
}

/** A row of GET /isolation/stays: an open stay with its person, site, room or bed, and why it is there. */
export interface StayListRow {
  id: number;
  person_id: number;
  /** The person's name for those who may read people; null otherwise. */
  person_name: string | null;
  area_code: string;
  category: 'case' | 'close' | 'secondary';
  site_id: number;
  site: string;
  site_area: string;
  room_id: number | null;
  bed_id: number | null;
  /** The room's number, the bed's ward and number. */
  room: string | null;
  bed: string | null;
  status: 'placed' | 'arrived';
  reason: string;
  reason_phrase: Phrase[] | null;
  found_at: Date;
  placed_at: Date;
  arrived_at: Date | null;
  due_at: Date | null;
}

const PAGE = 5_000;

export function stayExport(
  db: Queryable,
  scope: Scope,
  status: 'placed' | 'arrived' | undefined,
  names: boolean,
): ExportSpec<StayRow> {
  return {
    name: ['在管人员', 'people held'],
    areasOf: (r) => [r.area_code, r.site_area],
    columns: [
      { header: ['安置编号', 'Stay'], value: (r) => r.id },
      ...(names ? [{ header: ['姓名', 'Name'] as const, value: (r: StayRow) => r.person_name }] : []),
      { header: ['人员所在区域', "Person's area"], value: (r, c) => c.area(r.area_code) },
      { header: ['类别', 'Category'], value: (r, c) => c.word('category', r.category) },
      { header: ['场所', 'Site'], value: (r) => r.site },
      { header: ['场所所在区域', "Site's area"], value: (r, c) => c.area(r.site_area) },
      { header: ['房间', 'Room'], value: (r) => r.room },
      { header: ['床位', 'Bed'], value: (r) => r.bed },
      { header: ['状态', 'Status'], value: (r, c) => c.word('stayStatus', r.status) },
      { header: ['发现时间', 'Found'], value: (r, c) => c.time(r.found_at) },
      { header: ['安置时间', 'Placed'], value: (r, c) => c.time(r.placed_at) },
      { header: ['到达时间', 'Arrived'], value: (r, c) => c.time(r.arrived_at) },
      { header: ['期满时间', 'Term ends'], value: (r, c) => c.time(r.due_at) },
      {
        header: ['安置说明', 'Why here'],
        value: (r, c) => (r.reason_phrase ? renderPhrase(r.reason_phrase, c.lang) : (r.reason ?? '')),
      },
    ],
    page: async (last) => {
      const params: unknown[] = [status ?? null, last?.id ?? 0, PAGE, names];
      const { rows } = await db.query<StayRow>(
        `SELECT pl.id, CASE WHEN $4 THEN p.name END AS person_name, p.area_code, pl.category, s.name AS site,
                s.area_code AS site_area, rm.code AS room, bd.ward || ' ' || bd.code AS bed, pl.status, pl.reason,
                pl.reason_phrase, pl.found_at, pl.placed_at, pl.arrived_at, pl.due_at
           FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id
                LEFT JOIN rooms rm ON rm.id = pl.room_id LEFT JOIN beds bd ON bd.id = pl.bed_id
          WHERE pl.status IN ('placed', 'arrived') AND ($1::text IS NULL OR pl.status = $1) AND pl.id > $2
            AND ${stayScopeCondition('pl', scope, params)}
          ORDER BY pl.id LIMIT $3`,
        params,
      );
      return rows.map((r) => ({ ...r, id: Number(r.id) }));
    },
  };
}
