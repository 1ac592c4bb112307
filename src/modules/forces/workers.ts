/**
 * Workers (力量) and support teams (外地支援队). A worker has a role (their main skill), skills, a base area, maybe
 * a support team and a closed loop, a link to the registry (person_id: a positive worker is a case like any other)
 * and a status: on duty, resting, in quarantine, left. Workers and teams belong to the jurisdiction of their area:
 * a worker of another district answers 404 `worker_not_found` exactly as an unknown id.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { SKILLS, type Skill } from '../../domain/roster-proposer.ts';
import { AppError } from '../../lib/errors.ts';
import { personsInScope, type Scope, scopeCondition } from '../access/scope.ts';

export const WORKER_STATUSES = ['on_duty', 'resting', 'quarantined', 'left'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];
/** Statuses a roster may use (a quarantined worker or one who left never gets a shift). */
export const ROSTERABLE: readonly WorkerStatus[] = ['on_duty', 'resting'];

export interface WorkerRow {
  id: number;
  name: string;
  person_id: number | null;
  role: Skill;
  skills: Skill[];
  area_code: string;
  team_id: number | null;
  loop_id: number | null;
  status: WorkerStatus;
  status_at: Date;
  created_at: Date;
}

export const WORKER_COLUMNS =
  'w.id, w.name, w.person_id, w.role, w.skills, w.area_code, w.team_id, w.loop_id, w.status, w.status_at, w.created_at';

export interface TeamRow {
  id: number;
  name: string;
  origin_city: string;
  area_code: string;
  size: number;
  arrives_on: string;
  leaves_on: string;
  created_by: string;
  created_at: Date;
}

const TEAM_COLUMNS =
  't.id, t.name, t.origin_city, t.area_code, t.size, t.arrives_on::text AS arrives_on, t.leaves_on::text AS leaves_on, t.created_by, t.created_at';

async function checkArea(tx: Queryable, area: string, scope: Scope) {
  if (!area.startsWith(scope.prefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${area} is outside your jurisdiction`);
  const a = await tx.query('SELECT 1 FROM areas WHERE code = $1', [area]);
  if (a.rows.length === 0) throw new AppError(400, 'area_unknown', `area ${area} is not in the registry`);
}

export async function createTeam(
  tx: Queryable,
  clock: Clock,
  t: {
    name: string;
    originCity: string;
    areaCode: string;
    size: number;
    arrivesOn: string;
    leavesOn: string;
  },
  by: string,
  scope: Scope,
): Promise<TeamRow> {
  await checkArea(tx, t.areaCode, scope);
  if (t.leavesOn < t.arrivesOn)
    throw new AppError(400, 'team_dates_invalid', 'a support team leaves on or after the day it arrives');
  const dup = await tx.query('SELECT 1 FROM support_teams WHERE name = $1', [t.name]);
  if (dup.rows.length > 0)
    throw new AppError(409, 'team_name_taken', `a support team is already called ${t.name}`);
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO support_teams (name, origin_city, area_code, size, arrives_on, leaves_on, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [t.name, t.originCity, t.areaCode, t.size, t.arrivesOn, t.leavesOn, by, clock.now()],
  );
  return getTeam(tx, (rows[0] as { id: number }).id);
}

async function getTeam(tx: Queryable, id: number): Promise<TeamRow> {
  const { rows } = await tx.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM support_teams t WHERE t.id = $1`, [
    id,
  ]);
  return rows[0] as TeamRow;
}

/** Teams of the jurisdiction with how many of their workers are registered and on duty. */
export async function listTeams(db: Queryable, scope: Scope) {
  const params: unknown[] = [];
  const { rows } = await db.query<TeamRow & { registered: number; on_duty: number }>(
    `SELECT ${TEAM_COLUMNS},
            (SELECT count(*)::int FROM workers w WHERE w.team_id = t.id) AS registered,
            (SELECT count(*)::int FROM workers w WHERE w.team_id = t.id AND w.status = 'on_duty') AS on_duty
       FROM support_teams t WHERE ${scopeCondition('t.area_code', scope, params)} ORDER BY t.arrives_on, t.id`,
    params,
  );
  return rows;
}

export interface WorkerInput {
  key: string;
  name: string;
  role: Skill;
  skills: Skill[];
  areaCode: string;
  personId?: number | undefined;
  teamId?: number | undefined;
}

/** Registers a worker; a retry with the same key answers the worker registered (`duplicate`). */
export async function createWorker(
  tx: Queryable,
  clock: Clock,
  input: WorkerInput,
  by: string,
  scope: Scope,
): Promise<{ worker: WorkerRow; duplicate: boolean }> {
  const prior = await tx.query<WorkerRow & { idempotency_key: string }>(
    `SELECT ${WORKER_COLUMNS} FROM workers w WHERE w.idempotency_key = $1`,
    [input.key],
  );
  const p = prior.rows[0];
  if (p) {
    if (!p.area_code.startsWith(scope.prefix) || p.name !== input.name || p.role !== input.role)
      throw new AppError(
        409,
        'idempotency_key_reused',
        `key ${input.key} was used for another worker; a new worker needs a new key`,
      );
    return { worker: p, duplicate: true };
  }
  await checkArea(tx, input.areaCode, scope);
  const skills = [...new Set<Skill>([input.role, ...input.skills])].sort(
    (a, b) => SKILLS.indexOf(a) - SKILLS.indexOf(b),
  );
  if (input.personId !== undefined) {
    const inScope = await personsInScope(tx, [input.personId], scope);
    if (!inScope.has(input.personId))
      throw new AppError(404, 'person_unknown', `no person ${input.personId} in your jurisdiction`);
    const taken = await tx.query('SELECT id FROM workers WHERE person_id = $1', [input.personId]);
    if (taken.rows.length > 0)
      throw new AppError(409, 'person_already_worker', `person ${input.personId} is already a worker`);
  }
  if (input.teamId !== undefined) {
    const params: unknown[] = [input.teamId];
    const t = await tx.query(
      `SELECT 1 FROM support_teams WHERE id = $1 AND ${scopeCondition('area_code', { prefix: scope.prefix }, params)}`,
      params,
    );
    if (t.rows.length === 0)
      throw new AppError(404, 'team_not_found', `no support team ${input.teamId} in your jurisdiction`);
  }
  const now = clock.now();
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO workers (idempotency_key, name, person_id, role, skills, area_code, team_id, status_at, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $8) RETURNING id`,
    [
      input.key,
      input.name,
      input.personId ?? null,
      input.role,
      skills,
      input.areaCode,
      input.teamId ?? null,
      now,
      by,
    ],
  );
  return { worker: await getWorkerRow(tx, (rows[0] as { id: number }).id), duplicate: false };
}

export async function getWorkerRow(tx: Queryable, id: number): Promise<WorkerRow> {
  const { rows } = await tx.query<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers w WHERE w.id = $1`, [id]);
  return rows[0] as WorkerRow;
}

/** A worker of the jurisdiction, locked; 404 `worker_not_found` for an unknown id and one elsewhere alike. */
export async function lockWorker(tx: Queryable, id: number, scope: Scope): Promise<WorkerRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<WorkerRow>(
    `SELECT ${WORKER_COLUMNS} FROM workers w WHERE w.id = $1 AND ${scopeCondition('w.area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const w = rows[0];
  if (!w) throw new AppError(404, 'worker_not_found', `no worker ${id} in your jurisdiction`);
  return w;
}

export async function setWorkerStatus(
  tx: Queryable,
  clock: Clock,
  id: number,
  status: WorkerStatus,
  scope: Scope,
): Promise<{ before: WorkerRow; after: WorkerRow }> {
  const before = await lockWorker(tx, id, scope);
  if (before.status !== status)
    await tx.query('UPDATE workers SET status = $2, status_at = $3 WHERE id = $1', [id, status, clock.now()]);
  return { before, after: await getWorkerRow(tx, id) };
}

export interface WorkerFilter {
  role?: Skill | undefined;
  skill?: Skill | undefined;
  status?: WorkerStatus | undefined;
  teamId?: number | undefined;
  loopId?: number | undefined;
  /** Name prefix (the whole name finds one person; shown masked on the pages). */
  q?: string | undefined;
  /** Only workers a loop can take now: on duty or resting, and not already in loop `notLoop`. */
  available?: boolean | undefined;
  notLoop?: number | undefined;
}

export async function listWorkers(
  db: Queryable,
  scope: Scope,
  f: WorkerFilter,
  limit: number,
): Promise<{ items: (WorkerRow & { team_name: string | null; loop_name: string | null })[]; total: number }> {
  const params: unknown[] = [];
  const where = [scopeCondition('w.area_code', scope, params)];
  if (f.role) where.push(`w.role = $${params.push(f.role)}`);
  if (f.skill) where.push(`$${params.push(f.skill)} = ANY (w.skills)`);
  if (f.status) where.push(`w.status = $${params.push(f.status)}`);
  if (f.teamId) where.push(`w.team_id = $${params.push(f.teamId)}`);
  if (f.loopId) where.push(`w.loop_id = $${params.push(f.loopId)}`);
  if (f.q) where.push(`w.name LIKE $${params.push(`${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)}`);
  if (f.available) where.push(`w.status IN ('on_duty', 'resting')`);
  if (f.notLoop) where.push(`w.loop_id IS DISTINCT FROM $${params.push(f.notLoop)}`);
  const total = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM workers w WHERE ${where.join(' AND ')}`,
    params,
  );
  const { rows } = await db.query<WorkerRow & { team_name: string | null; loop_name: string | null }>(
    `SELECT ${WORKER_COLUMNS}, t.name AS team_name, l.name AS loop_name
       FROM workers w LEFT JOIN support_teams t ON t.id = w.team_id LEFT JOIN closed_loops l ON l.id = w.loop_id
      WHERE ${where.join(' AND ')} ORDER BY w.area_code, w.id LIMIT ${Math.floor(limit)}`,
    params,
  );
  return { items: rows, total: Number(total.rows[0]?.n ?? 0) };
}
