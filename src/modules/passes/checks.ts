/**
 * Recording a check at a checkpoint (卡口核验): the phone sends the token it read, the time of the check and its
 * idempotency key; the server judges the token at that time (verdict.ts) with its own keys and revocations and
 * answers the verdict. A check sent again with the same key at the same checkpoint counts once (`duplicate`); the
 * same key with another token is refused (409 `key_reused`). A token that is not a pass token at all is refused
 * (400 `token_malformed`) and nothing is recorded; any token that reads as one is recorded, forgeries included.
 *
 * Checks of one pass are serialised on the pass's row, so the speed rule sees them in order: a check is compared
 * with the check of the same pass just before it in time (flagging this one) and with the one just after it (a
 * check uploaded late from an offline phone flags the later check, which had been judged without it).
 *
 * Checks are field events like sampling scans: kept in their own table with who and when, not in the audit log.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { refuseFuture } from '../../lib/instant.ts';
import type { Scope } from '../access/scope.ts';
import { type CheckpointRow, checkpointInScope } from './checkpoints.ts';
import { publicKeyOf } from './keys.ts';
import { signatureHolds } from './signing.ts';
import { tooFast } from './speed.ts';
import { type PassClaims, readPassToken } from './token-format.ts';
import { judge, type Verdict } from './verdict.ts';

export interface CheckInput {
  checkpointId: number;
  key: string;
  token: string;
  checkedAt: Date;
  deviceVerdict?: Verdict | undefined;
}

export interface SuspectFlag {
  code: 'suspect_speed';
  check_id: number;
  other_check_id: number;
  other_checkpoint_id: number;
  other_checkpoint: string;
  other_checked_at: Date;
  km: number;
  minutes: number;
}

export interface CheckResult {
  id: number;
  duplicate: boolean;
  verdict: Verdict;
  checked_at: Date;
  checkpoint: { id: number; name: string; area_code: string };
  /** What the pass says, when its signature holds (never for forged or unknown keys). */
  pass: {
    id: number;
    kind: string;
    holder_type: 'vehicle' | 'person';
    holder: string;
    id_last4: string | null;
    areas: string[];
    route: boolean;
    valid_from: Date;
    valid_to: Date;
    revoked_at: Date | null;
  } | null;
  flags: SuspectFlag[];
}

interface StoredCheck {
  id: number;
  token_sha256: string;
  verdict: Verdict;
  checked_at: Date;
  pass_id: number | null;
  suspect_check_id: number | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function passOf(claims: PassClaims, revokedAt: Date | null): NonNullable<CheckResult['pass']> {
  return {
    id: claims.p,
    kind: claims.k,
    holder_type: claims.h === 'v' ? 'vehicle' : 'person',
    holder: claims.n,
    id_last4: claims.i ?? null,
    areas: claims.a,
    route: claims.r === 1,
    valid_from: new Date(claims.f * 1000),
    valid_to: new Date(claims.u * 1000),
    revoked_at: revokedAt,
  };
}

/** The speed flag a check carries (naming the earlier check), or none. */
async function flagOf(q: Queryable, checkId: number): Promise<SuspectFlag[]> {
  const { rows } = await q.query<Omit<SuspectFlag, 'code'>>(
    `SELECT c.id AS check_id, o.id AS other_check_id, o.checkpoint_id AS other_checkpoint_id,
            cp.name AS other_checkpoint, o.checked_at AS other_checked_at, c.suspect_km AS km, c.suspect_minutes AS minutes
       FROM pass_checks c JOIN pass_checks o ON o.id = c.suspect_check_id JOIN checkpoints cp ON cp.id = o.checkpoint_id
      WHERE c.id = $1`,
    [checkId],
  );
  return rows.map((r) => ({ code: 'suspect_speed' as const, ...r }));
}

/** Compares a new check with its neighbours in time and flags the later of a pair too far apart for the time. */
async function applySpeedRule(
  tx: Queryable,
  clock: Clock,
  check: { id: number; passId: number; at: Date; checkpoint: CheckpointRow },
): Promise<void> {
  const neighbour = async (after: boolean) =>
    (
      await tx.query<{
        id: number;
        checked_at: Date;
        latitude: number;
        longitude: number;
        suspect_check_id: number | null;
      }>(
        `SELECT c.id, c.checked_at, cp.latitude, cp.longitude, c.suspect_check_id
           FROM pass_checks c JOIN checkpoints cp ON cp.id = c.checkpoint_id
          WHERE c.pass_id = $1 AND c.id <> $2 AND ${after ? 'c.checked_at > $3' : 'c.checked_at <= $3'}
          ORDER BY c.checked_at ${after ? 'ASC' : 'DESC'}, c.id ${after ? 'ASC' : 'DESC'} LIMIT 1`,
        [check.passId, check.id, check.at],
      )
    ).rows[0];
  const here = { latitude: check.checkpoint.latitude, longitude: check.checkpoint.longitude, at: check.at };
  const flag = async (laterId: number, earlierId: number, s: { km: number; minutes: number }) => {
    await tx.query(
      'UPDATE pass_checks SET suspect_check_id = $2, suspect_km = $3, suspect_minutes = $4 WHERE id = $1',
      [laterId, earlierId, s.km, s.minutes],
    );
    await tx.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       VALUES ('pass.suspect_speed', 'pass', $1, $2, $3, $4::jsonb)`,
      [
        check.passId,
        check.checkpoint.area_code,
        clock.now(),
        JSON.stringify({ check_id: laterId, other_check_id: earlierId, ...s }),
      ],
    );
  };
  const before = await neighbour(false);
  if (before) {
    const s = tooFast({ ...before, at: before.checked_at }, here);
    if (s) await flag(check.id, before.id, s);
  }
  const after = await neighbour(true);
  if (after && after.suspect_check_id === null) {
    const s = tooFast(here, { ...after, at: after.checked_at });
    if (s) await flag(after.id, check.id, s);
  }
}

export async function recordCheck(
  tx: Queryable,
  clock: Clock,
  input: CheckInput,
  by: string,
  scope: Scope,
): Promise<CheckResult> {
  const checkpoint = await checkpointInScope(tx, input.checkpointId, scope);
  const reading = readPassToken(input.token);
  if (!reading.ok)
    throw new AppError(400, 'token_malformed', `this is not a pass code: ${reading.reason}`, {
      reason: reading.reason,
    });
  const now = clock.now();
  refuseFuture(now, input.checkedAt, 'checked_at');
  const tokenHash = sha256(input.token.trim());
  const { claims } = reading;
  const publicKey = await publicKeyOf(tx, claims.kid);
  const signatureOk = publicKey !== null && signatureHolds(reading, publicKey);
  // Checks of one pass wait for each other here (the speed rule reads them in order).
  const pass = signatureOk
    ? (
        await tx.query<{ id: number; revoked_at: Date | null }>(
          'SELECT id, revoked_at FROM passes WHERE id = $1 FOR UPDATE',
          [claims.p],
        )
      ).rows[0]
    : undefined;
  // A good signature on a pass this database does not hold cannot happen (passes are never deleted): forged.
  const verdict = judge({
    claims,
    keyKnown: publicKey !== null,
    signatureOk: signatureOk && pass !== undefined,
    revokedAt: pass?.revoked_at ?? null,
    at: input.checkedAt,
    checkpointArea: checkpoint.area_code,
  });
  const inserted = await tx.query<StoredCheck>(
    `INSERT INTO pass_checks (checkpoint_id, idempotency_key, token_sha256, pass_id, claimed_pass_id, key_id, verdict,
                              device_verdict, checked_at, recorded_at, checked_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (checkpoint_id, idempotency_key) DO NOTHING
     RETURNING id, token_sha256, verdict, checked_at, pass_id, suspect_check_id`,
    [
      checkpoint.id,
      input.key,
      tokenHash,
      pass?.id ?? null,
      claims.p,
      claims.kid,
      verdict,
      input.deviceVerdict ?? null,
      input.checkedAt,
      now,
      by,
    ],
  );
  let stored = inserted.rows[0];
  const duplicate = !stored;
  if (!stored) {
    stored = (
      await tx.query<StoredCheck>(
        `SELECT id, token_sha256, verdict, checked_at, pass_id, suspect_check_id FROM pass_checks
          WHERE checkpoint_id = $1 AND idempotency_key = $2`,
        [checkpoint.id, input.key],
      )
    ).rows[0] as StoredCheck;
    if (stored.token_sha256 !== tokenHash)
      throw new AppError(
        409,
        'key_reused',
        `check key ${input.key} was used at this checkpoint for another code: each check needs its own key`,
      );
  } else if (pass) {
    await applySpeedRule(tx, clock, { id: stored.id, passId: pass.id, at: input.checkedAt, checkpoint });
  }
  return {
    id: stored.id,
    duplicate,
    verdict: stored.verdict,
    checked_at: stored.checked_at,
    checkpoint: { id: checkpoint.id, name: checkpoint.name, area_code: checkpoint.area_code },
    pass: stored.pass_id === null ? null : passOf(claims, pass?.revoked_at ?? null),
    flags: await flagOf(tx, stored.id),
  };
}
