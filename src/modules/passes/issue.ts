/**
 * Issuing and revoking passes (通行证). A pass is issued within the issuer's jurisdiction: every allowed area must
 * lie inside it (403 `out_of_jurisdiction` naming the areas outside) and be a real area of the registry
 * (400 `area_unknown`). Validity is at most 7 days, starts no more than an hour before now (a form's minutes) and
 * no more than 7 days ahead. A vehicle is named by its plate; a person by name and ID number, validated like the
 * registry's (GB 11643) and stored like persons' ID numbers, shown masked everywhere.
 *
 * The token is signed in the same transaction as the pass is written (the first key is made then, keys.ts), so a
 * refused request writes nothing. Revocation needs a reason; both are recorded as events (the routes audit them).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { parseIdNumber } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { maskName } from '../isolation/self-report.ts';
import { signingKey } from './keys.ts';
import { signClaims } from './signing.ts';
import type { PassClaims, PassKind } from './token-format.ts';

export const MAX_PASS_DAYS = 7;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const LEVEL_LENGTHS = [15, 12, 9, 6, 4, 2];

export interface IssueInput {
  kind: PassKind;
  holderType: 'vehicle' | 'person';
  holderName: string;
  plate?: string | undefined;
  idNumber?: string | undefined;
  organisation: string;
  purpose: string;
  validFrom: Date;
  validTo: Date;
  areas: string[];
  route: boolean;
}

export interface PassRow {
  id: number;
  kind: PassKind;
  holder_type: 'vehicle' | 'person';
  holder_name: string;
  plate: string | null;
  id_number: string | null;
  organisation: string;
  purpose: string;
  areas: string[];
  route: boolean;
  area_code: string;
  valid_from: Date;
  valid_to: Date;
  key_id: string;
  token: string;
  issued_by: string;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

/**
 * A plate as written on the vehicle: full-width characters as ASCII, spaces, dots and dashes dropped, letters in
 * capitals. 吉B12345 (7 characters: province, letter, five letters or digits — the last may be 学/警/挂…) or
 * 吉BD12345 (8: new-energy vehicles). Null when it is not a plate.
 */
export function normalisePlate(raw: string): string | null {
  const plate = raw
    .normalize('NFKC')
    .replace(/[\s·•.\-_]/g, '')
    .toUpperCase();
  if (/^\p{Script=Han}[A-Z][A-Z0-9]{4}[A-Z0-9\p{Script=Han}]$/u.test(plate)) return plate;
  if (/^\p{Script=Han}[A-Z][A-Z0-9]{6}$/u.test(plate)) return plate;
  return null;
}

/** The smallest area containing every area: their common prefix, cut to an area level's length. */
export function enclosingArea(areas: readonly string[]): string {
  let prefix = areas[0] ?? '';
  for (const a of areas) {
    let i = 0;
    while (i < prefix.length && i < a.length && prefix[i] === a[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix.slice(0, LEVEL_LENGTHS.find((l) => l <= prefix.length) ?? 0);
}

function checkValidity(now: Date, from: Date, to: Date): void {
  if (to.getTime() <= from.getTime())
    throw new AppError(400, 'validity_reversed', 'valid_to must be after valid_from');
  if (to.getTime() - from.getTime() > MAX_PASS_DAYS * DAY)
    throw new AppError(
      400,
      'validity_too_long',
      `a pass is valid for at most ${MAX_PASS_DAYS} days; issue a new one when it ends`,
      { max_days: MAX_PASS_DAYS },
    );
  if (from.getTime() < now.getTime() - HOUR || to.getTime() <= now.getTime())
    throw new AppError(
      400,
      'validity_backdated',
      `valid_from may be at most an hour before now (${now.toISOString()}) and valid_to must be after now`,
    );
  if (from.getTime() > now.getTime() + MAX_PASS_DAYS * DAY)
    throw new AppError(
      400,
      'validity_too_far_ahead',
      `valid_from may be at most ${MAX_PASS_DAYS} days ahead; issue the pass nearer the time`,
    );
}

/** The allowed areas, in the order given without repeats, each inside the jurisdiction and registered. */
async function checkAreas(tx: Queryable, areas: readonly string[], jurisdiction: string): Promise<string[]> {
  const unique = [...new Set(areas)];
  const outside = unique.filter((a) => !a.startsWith(jurisdiction));
  if (outside.length > 0)
    throw new AppError(
      403,
      'out_of_jurisdiction',
      `area ${outside.join(', ')} is outside your jurisdiction: a pass is issued for areas of your jurisdiction only`,
      { areas: outside },
    );
  const { rows } = await tx.query<{ code: string }>('SELECT code FROM areas WHERE code = ANY($1::text[])', [
    unique,
  ]);
  const known = new Set(rows.map((r) => r.code));
  const unknown = unique.filter((a) => !known.has(a));
  if (unknown.length > 0)
    throw new AppError(400, 'area_unknown', `area ${unknown.join(', ')} is not in the registry`, {
      areas: unknown,
    });
  return unique;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export async function issuePass(
  tx: Queryable,
  clock: Clock,
  input: IssueInput,
  by: string,
  jurisdiction: string,
): Promise<PassRow> {
  const now = clock.now();
  // Whole seconds, as the token carries them: the database and the QR code say the same.
  const from = new Date(seconds(input.validFrom) * 1000);
  const to = new Date(seconds(input.validTo) * 1000);
  checkValidity(now, from, to);
  let plate: string | null = null;
  if (input.holderType === 'vehicle') {
    if (!input.plate?.trim()) throw new AppError(400, 'plate_required', 'a vehicle pass needs its plate');
    plate = normalisePlate(input.plate);
    if (!plate)
      throw new AppError(
        400,
        'plate_invalid',
        `"${input.plate}" is not a plate: a province character, a letter and five or six letters or digits (吉B12345, 吉BD12345)`,
      );
  }
  let idNumber: string | null = null;
  if (input.idNumber?.trim()) {
    const parsed = parseIdNumber(input.idNumber, now);
    if (!parsed.ok)
      throw new AppError(400, 'id_number_invalid', `the ID number is not valid: ${parsed.message}`, {
        reason: parsed.code,
      });
    idNumber = parsed.value.idNumber;
  } else if (input.holderType === 'person')
    throw new AppError(400, 'id_number_required', "a person's pass needs the holder's ID number");
  const areas = await checkAreas(tx, input.areas, jurisdiction);
  if (input.route && areas.length < 2)
    throw new AppError(400, 'route_too_short', 'a route names at least two areas, in the order travelled');

  const key = await signingKey(tx, clock);
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO passes (kind, holder_type, holder_name, plate, id_number, organisation, purpose, areas, route,
                         area_code, valid_from, valid_to, key_id, token, issued_by, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13, '', $14, $15) RETURNING id`,
    [
      input.kind,
      input.holderType,
      input.holderName,
      plate,
      idNumber,
      input.organisation,
      input.purpose,
      areas,
      input.route,
      enclosingArea(areas),
      from,
      to,
      key.kid,
      by,
      now,
    ],
  );
  const id = (rows[0] as { id: number }).id;
  const claims: PassClaims = {
    p: id,
    k: input.kind,
    h: input.holderType === 'vehicle' ? 'v' : 'p',
    n: plate ?? [...maskName(input.holderName)].slice(0, 20).join(''),
    ...(input.holderType === 'person' && idNumber ? { i: idNumber.slice(-4) } : {}),
    a: areas,
    ...(input.route ? { r: 1 as const } : {}),
    f: seconds(from),
    u: seconds(to),
    kid: key.kid,
  };
  const token = signClaims(claims, key.privateKey);
  const saved = await tx.query<PassRow>('UPDATE passes SET token = $2 WHERE id = $1 RETURNING *', [
    id,
    token,
  ]);
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('pass.issued', 'pass', $1, $2, $3, $4::jsonb)`,
    [id, enclosingArea(areas), now, JSON.stringify({ kind: input.kind, areas, route: input.route })],
  );
  return saved.rows[0] as PassRow;
}

/** Revokes a pass of the scope (404 outside, as unknown); 409 `pass_already_revoked` when it is. */
export async function revokePass(
  tx: Queryable,
  clock: Clock,
  id: number,
  reason: string,
  by: string,
  scope: Scope,
): Promise<PassRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<PassRow>(
    `SELECT * FROM passes WHERE id = $1 AND ${scopeCondition('area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const pass = rows[0];
  if (!pass) throw new AppError(404, 'not_found', `pass ${id} was not found`);
  if (pass.revoked_at)
    throw new AppError(
      409,
      'pass_already_revoked',
      `pass ${id} was revoked at ${pass.revoked_at.toISOString()} by ${pass.revoked_by}`,
    );
  const now = clock.now();
  const saved = await tx.query<PassRow>(
    'UPDATE passes SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 WHERE id = $1 RETURNING *',
    [id, now, by, reason],
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('pass.revoked', 'pass', $1, $2, $3, '{}')`,
    [id, pass.area_code, now],
  );
  return saved.rows[0] as PassRow;
}
