/**
 * What a checkpoint concludes from a pass token (核验结论), and a pass's status. Pure and shared: the server judges
 * every recorded check with it (checks.ts), and the checkpoint page judges offline with the same rules from its
 * cached public keys and revocation list, so the phone and the server never disagree on the same facts.
 *
 * In this order, the first that applies:
 * - unknown_key: the token names a key this side does not know (a token of another system, or a phone whose keys
 *   are older than the key that signed it);
 * - forged: the signature does not hold (the claims were changed, or signed by someone else);
 * - revoked: the pass was revoked at or before the time of the check;
 * - not_yet_valid / expired: the time of the check is before its start / at or after its end;
 * - area_not_allowed: the checkpoint's area and none of the pass's areas contain one another;
 * - valid.
 *
 * Areas: a checkpoint lets a pass through when the checkpoint's area lies inside an allowed area (a checkpoint on a
 * street of an allowed district), or an allowed area lies inside the checkpoint's area (the checkpoint guards the
 * district that holds the allowed street: the vehicle passes it to get there). Checkpoints are at district level
 * or below (checkpoints.ts), so a city-wide checkpoint cannot wave every pass of the city through.
 */
import type { PassClaims } from './token-format.ts';

export const VERDICTS = [
  'valid',
  'expired',
  'not_yet_valid',
  'revoked',
  'forged',
  'area_not_allowed',
  'unknown_key',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export const PASS_STATUSES = ['valid', 'not_yet_valid', 'expired', 'revoked'] as const;
export type PassStatus = (typeof PASS_STATUSES)[number];

export function areaAllowed(areas: readonly string[], checkpointArea: string): boolean {
  return areas.some((a) => checkpointArea.startsWith(a) || a.startsWith(checkpointArea));
}

export interface JudgeInput {
  claims: PassClaims;
  /** The key named by the token is known here. */
  keyKnown: boolean;
  /** The signature holds under that key (ignored when the key is unknown). */
  signatureOk: boolean;
  /** When the pass was revoked, as this side knows; null when not revoked. */
  revokedAt: Date | null;
  /** The time of the check. */
  at: Date;
  checkpointArea: string;
}

export function judge(x: JudgeInput): Verdict {
  if (!x.keyKnown) return 'unknown_key';
  if (!x.signatureOk) return 'forged';
  const t = x.at.getTime();
  if (x.revokedAt && x.revokedAt.getTime() <= t) return 'revoked';
  if (t < x.claims.f * 1000) return 'not_yet_valid';
  if (t >= x.claims.u * 1000) return 'expired';
  if (!areaAllowed(x.claims.a, x.checkpointArea)) return 'area_not_allowed';
  return 'valid';
}

/** A pass's status now (the list's 有效 / 未生效 / 已过期 / 已吊销). */
export function passStatus(
  p: { valid_from: Date; valid_to: Date; revoked_at: Date | null },
  now: Date,
): PassStatus {
  if (p.revoked_at && p.revoked_at.getTime() <= now.getTime()) return 'revoked';
  if (now.getTime() < p.valid_from.getTime()) return 'not_yet_valid';
  if (now.getTime() >= p.valid_to.getTime()) return 'expired';
  return 'valid';
}
