/**
 * Checkpoints (卡口): where passes are checked, at a district or a smaller area of the issuer's jurisdiction (a
 * place, scoped by its own area code), with a position for the speed rule (speed.ts). Names are unique within an
 * area.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export interface CheckpointRow {
  id: number;
  name: string;
  area_code: string;
  latitude: number;
  longitude: number;
  created_by: string;
  created_at: Date;
}

export async function createCheckpoint(
  tx: Queryable,
  clock: Clock,
  input: { name: string; areaCode: string; latitude: number; longitude: number },
  by: string,
  jurisdiction: string,
): Promise<CheckpointRow> {
  if (!input.areaCode.startsWith(jurisdiction))
    throw new AppError(403, 'out_of_jurisdiction', `area ${input.areaCode} is outside your jurisdiction`);
  const area = await tx.query('SELECT 1 FROM areas WHERE code = $1', [input.areaCode]);
  if (area.rows.length === 0)
    throw new AppError(400, 'area_unknown', `area ${input.areaCode} is not in the registry`);
  const { rows } = await tx.query<CheckpointRow>(
    `INSERT INTO checkpoints (name, area_code, latitude, longitude, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (area_code, name) DO NOTHING RETURNING *`,
    [input.name, input.areaCode, input.latitude, input.longitude, by, clock.now()],
  );
  if (!rows[0])
    throw new AppError(
      409,
      'checkpoint_exists',
      `area ${input.areaCode} already has a checkpoint named "${input.name}"`,
    );
  return rows[0];
}

export async function listCheckpoints(db: Queryable, scope: Scope): Promise<CheckpointRow[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<CheckpointRow>(
    `SELECT * FROM checkpoints WHERE ${scopeCondition('area_code', scope, params)} ORDER BY area_code, name, id`,
    params,
  );
  return rows;
}

/** A checkpoint of the scope (404 outside, as unknown). */
export async function checkpointInScope(q: Queryable, id: number, scope: Scope): Promise<CheckpointRow> {
  const params: unknown[] = [id];
  const { rows } = await q.query<CheckpointRow>(
    `SELECT * FROM checkpoints WHERE id = $1 AND ${scopeCondition('area_code', scope, params)}`,
    params,
  );
  if (!rows[0]) throw new AppError(404, 'not_found', `checkpoint ${id} was not found`);
  return rows[0];
}
