/**
 * Responsibility lists (包保, 每日任务清单, 事不过夜). Every open item — follow-up tasks (re-tests, re-sampling, PCR
 * confirmations, quarantine tests, terminal disinfection, environmental disinfection), people found but not yet placed, people placed but not
 * delivered — belongs to the leader whose patch is the deepest area containing it, for the item's function (or a
 * leader for 'all'). An item still open after the end of its due day (Beijing time) escalates one level up the
 * hierarchy per day (to the leader of the parent patch), so nothing waits overnight unseen.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { waitingForPlace } from '../isolation/waiting.ts';
import { atRisk } from '../registry/risk.ts';

export type LeaderFunction =
  | 'all'
  | 'testing'
  | 'tracing'
  | 'isolation'
  | 'transfer'
  | 'supply'
  | 'community_control';

export const FUNCTION_OF_TASK: Record<string, LeaderFunction> = {
  retest_single_tube: 'testing',
  resample_invalid: 'testing',
  pcr_confirm: 'testing',
  quarantine_test: 'isolation',
  terminal_disinfection: 'isolation',
  health_alert: 'isolation',
  extra_test: 'testing',
  result_conflict: 'testing',
  // 就医 (src/modules/medical): a refusal and an emergency stalled 30 minutes go to the leader answering for
  // everything in the patient's area (不得拒诊 is no one function's matter); both are due at once or at +30 min.
  medical_refusal: 'all',
  medical_emergency_stalled: 'all',
  env_disinfection: 'community_control',
  // 保供 (src/modules/supplies): a request past due and not handed goes to the area's supply leader.
  supply_late: 'supply',
  // 力量调配 (src/modules/forces): a roster slot short of people and a closed-loop test missed go to the leader
  // answering for everything in the area (the people of every function are at stake).
  force_shortfall: 'all',
  loop_test_gap: 'all',
};

export interface Leader {
  id: number;
  name: string;
  title: string;
  area_code: string;
  function: LeaderFunction;
}

export interface ListItem {
  kind: string;
  function: LeaderFunction;
  area_code: string;
  due_at: Date;
  subject: { type: string; id: number };
  person_id: number | null;
  owner: { id: number; name: string; area_code: string } | null;
  escalated_levels: number;
  overdue: boolean;
}

const DAY = 86_400_000;
const endOfBeijingDay = (d: Date) =>
  new Date(Math.floor((d.getTime() + 8 * 3600_000) / DAY + 1) * DAY - 8 * 3600_000);

/** The leaders answering for an area and function, deepest patch first. */
export function ownersOf(leaders: readonly Leader[], area: string, fn: LeaderFunction): Leader[] {
  return leaders
    .filter((l) => area.startsWith(l.area_code) && (l.function === fn || l.function === 'all'))
    .sort(
      (a, b) =>
        b.area_code.length - a.area_code.length ||
        Number(a.function === 'all') - Number(b.function === 'all') ||
        a.id - b.id,
    );
}

export type OpenItem = Omit<ListItem, 'owner' | 'escalated_levels' | 'overdue'>;

export async function openItems(db: Queryable, scope: Scope): Promise<OpenItem[]> {
  const p1: unknown[] = [];
  const tasks = await db.query<{
    id: number;
    kind: string;
    area_code: string;
    due_at: Date;
    person_id: number | null;
  }>(
    `SELECT id, kind, area_code, due_at, person_id FROM tasks WHERE status = 'open' AND ${scopeCondition('area_code', scope, p1)} ORDER BY due_at, id`,
    p1,
  );
  const p2: unknown[] = [];
  const unplaced = await db.query<{ id: number; area_code: string; since: Date }>(
    `SELECT p.id, p.area_code, coalesce(p_risk.risk_status_at, p.created_at) AS since FROM ${atRisk('p')}
      WHERE ${waitingForPlace('p')} AND ${scopeCondition('p.area_code', scope, p2)}`,
    p2,
  );
  const p3: unknown[] = [];
  const undelivered = await db.query<{ id: number; person_id: number; area_code: string; found_at: Date }>(
    `SELECT pl.id, pl.person_id, pl.person_area AS area_code, pl.found_at FROM placements pl
      WHERE pl.status = 'placed' AND ${scopeCondition('pl.person_area', scope, p3)}`,
    p3,
  );
  return [
    ...tasks.rows.map((t) => ({
      kind: t.kind,
      function: FUNCTION_OF_TASK[t.kind] ?? ('all' as LeaderFunction),
      area_code: t.area_code,
      due_at: t.due_at,
      subject: { type: 'task', id: t.id },
      person_id: t.person_id,
    })),
    // Found today, placed today (即查即转): due at the end of the day the person was found.
    ...unplaced.rows.map((u) => ({
      kind: 'place_person',
      function: 'isolation' as LeaderFunction,
      area_code: u.area_code,
      due_at: endOfBeijingDay(u.since),
      subject: { type: 'person', id: u.id },
      person_id: u.id,
    })),
    ...undelivered.rows.map((u) => ({
      kind: 'transfer_person',
      function: 'transfer' as LeaderFunction,
      area_code: u.area_code,
      due_at: endOfBeijingDay(u.found_at),
      subject: { type: 'placement', id: u.id },
      person_id: u.person_id,
    })),
  ];
}

/** Assigns each item its owner today: the deepest leader, moved up one patch per day overdue. */
export function assign(items: readonly OpenItem[], leaders: readonly Leader[], now: Date): ListItem[] {
  // Items of one area and function share their patches: worked out once per pair (a district's list holds tens of
  // thousands of items in a few thousand grids).
  const patchesOf = new Map<string, Leader[]>();
  return items.map((it) => {
    const key = `${it.area_code}|${it.function}`;
    let patches = patchesOf.get(key);
    if (!patches) {
      // Distinct patches, deepest first; escalation climbs one patch per day.
      const owners = ownersOf(leaders, it.area_code, it.function);
      patches = [...new Map(owners.map((o) => [o.area_code, o])).values()];
      patchesOf.set(key, patches);
    }
    const dueEnd = endOfBeijingDay(new Date(it.due_at.getTime() - 1)); // a deadline at midnight belongs to the day before
    const daysOver =
      now.getTime() > dueEnd.getTime() ? Math.floor((now.getTime() - dueEnd.getTime()) / DAY) + 1 : 0;
    const owner = patches[Math.min(daysOver, patches.length - 1)] ?? null;
    return {
      ...it,
      owner: owner ? { id: owner.id, name: owner.name, area_code: owner.area_code } : null,
      escalated_levels: owner ? patches.indexOf(owner) : 0,
      overdue: now.getTime() > it.due_at.getTime(),
    };
  });
}

/**
 * Gives a leader a patch: an area subtree and a function. The previous holder of that patch is replaced. `tx` must
 * be a transaction; the caller checks the jurisdiction and audits.
 */
export async function setLeader(
  tx: Queryable,
  clock: Clock,
  l: { name: string; title: string; areaCode: string; function: LeaderFunction; userId?: number },
): Promise<Leader & { user_id: number | null; created_at: Date }> {
  const area = await tx.query('SELECT 1 FROM areas WHERE code = $1', [l.areaCode]);
  if (area.rows.length === 0)
    throw new AppError(400, 'area_unknown', `no area ${l.areaCode}: a leader's patch must be a real area`);
  if (l.userId !== undefined) {
    const user = await tx.query('SELECT 1 FROM users WHERE id = $1', [l.userId]);
    if (user.rows.length === 0)
      throw new AppError(
        400,
        'user_unknown',
        `no account ${l.userId}: link the leader to an existing account, or leave user_id out`,
      );
  }
  await tx.query('UPDATE leaders SET active = false WHERE area_code = $1 AND function = $2 AND active', [
    l.areaCode,
    l.function,
  ]);
  const { rows } = await tx.query<Leader & { user_id: number | null; created_at: Date }>(
    'INSERT INTO leaders (name, title, user_id, area_code, function, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
    [l.name, l.title, l.userId ?? null, l.areaCode, l.function, clock.now()],
  );
  return rows[0] as Leader & { user_id: number | null; created_at: Date };
}

/** The task list of a scope with owners, optionally one leader's or the unowned items only. */
export async function responsibilityList(
  db: Queryable,
  scope: Scope,
  now: Date,
  filter: ListFilter = {},
): Promise<ListItem[]> {
  // Leaders of the whole hierarchy above the scope too: escalation may climb past the caller's patch.
  const params: unknown[] = [scope.prefix];
  const leaders = await db.query<Leader>(
    `SELECT id, name, title, area_code, function FROM leaders
      WHERE active AND (starts_with($1, area_code) OR ${scopeCondition('area_code', scope, params)})`,
    params,
  );
  return filterList(assign(await openItems(db, scope), leaders.rows, now), filter);
}

export interface ListFilter {
  leader_id?: number;
  unowned?: boolean;
}

/** One leader's items, or the unowned ones. */
export function filterList(items: ListItem[], filter: ListFilter): ListItem[] {
  if (filter.leader_id) return items.filter((i) => i.owner?.id === filter.leader_id);
  if (filter.unowned) return items.filter((i) => i.owner === null);
  return items;
}

/** A whole list as kept by the server's list cache (src/server/list-cache.ts), with the moment it was worked out. */
export interface CachedList {
  items: ListItem[];
  as_of: Date;
}

/** Names of the people of some items (the caller checks the permission and audits the read). */
export async function personNames(db: Queryable, items: readonly ListItem[]): Promise<Map<number, string>> {
  const ids = [...new Set(items.map((i) => i.person_id).filter((id): id is number => id !== null))];
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: number; name: string }>(
    'SELECT id, name FROM persons WHERE id = ANY($1::int8[]) AND purged_at IS NULL',
    [ids],
  );
  return new Map(rows.map((r) => [Number(r.id), r.name]));
}

/** The export of a task list, in pages of 5,000 (names looked up a page at a time). */
export function responsibilityExport(
  items: readonly ListItem[],
  names?: (page: readonly ListItem[]) => Promise<Map<number, string>>,
): ExportSpec<ListItem & { person_name?: string | null; n: number }> {
  const PAGE = 5_000;
  return {
    name: ['包保任务清单', 'task list'],
    areasOf: (r) => [r.area_code, r.owner?.area_code],
    page: async (last) => {
      const from = last ? last.n + 1 : 0;
      const page = items.slice(from, from + PAGE);
      const known = names ? await names(page) : new Map<number, string>();
      return page.map((i, k) => ({
        ...i,
        n: from + k,
        person_name: i.person_id ? (known.get(i.person_id) ?? null) : null,
      }));
    },
    columns: [
      { header: ['事项', 'Item'], value: (r, c) => c.word('taskKind', r.kind) },
      { header: ['职能', 'Function'], value: (r, c) => c.word('leaderFunction', r.function) },
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['期限', 'Due'], value: (r, c) => c.time(r.due_at) },
      {
        header: ['是否逾期', 'Overdue'],
        value: (r, c) => (r.overdue ? (c.lang === 'en' ? 'overdue' : '逾期') : ''),
      },
      { header: ['人员', 'Person'], value: (r) => r.person_name ?? '' },
      {
        header: ['责任人', 'Owner'],
        value: (r, c) => (r.owner ? `${r.owner.name}（${c.area(r.owner.area_code)}）` : ''),
      },
      { header: ['升级层级', 'Escalated'], value: (r) => r.escalated_levels },
    ],
  };
}
