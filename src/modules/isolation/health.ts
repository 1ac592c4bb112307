/**
 * Health monitoring in quarantine: temperature and symptoms twice a day, entered by site staff or reported by
 * the person through a personal link (self-report.ts; marked self-reported, with the phone's idempotency key). A fever
 * (≥ 37.3 °C) or any symptom raises a 'health_alert' task for the site, due within 2 hours, and an extra PCR test
 * task; a resent check (same stay, same time) is not counted twice.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { lockStay } from './stay-scope.ts';

export const FEVER_C = 37.3;
export const SYMPTOMS = [
  'fever',
  'cough',
  'sore_throat',
  'fatigue',
  'loss_of_smell',
  'shortness_of_breath',
  'diarrhoea',
  'other',
] as const;

/** Records a check of an arrived stay in the scope (its person's or its site's: stay-scope.ts); 404 outside. */
export async function recordHealthCheck(
  tx: Queryable,
  clock: Clock,
  placementId: number,
  check: {
    at: Date;
    temperature: number;
    symptoms: readonly string[];
    by: string;
    selfReported?: boolean;
    idempotencyKey?: string;
    note?: string;
  },
  scopePrefix: string,
): Promise<{ status: 'recorded' | 'duplicate'; alert: boolean }> {
  const stay = await lockStay(tx, placementId, { prefix: scopePrefix });
  if (stay.status !== 'arrived')
    throw new AppError(
      409,
      'transition_invalid',
      `stay ${placementId} is ${stay.status}; checks are for people at the site`,
    );
  if (check.at.getTime() > clock.now().getTime() + 10 * 60_000)
    throw new AppError(400, 'clock_skew', 'the check is dated in the future: check the device clock');
  // A check before the person reached the site (or before this term began) cannot have been made there.
  const since = stay.term_started_at ?? stay.arrived_at;
  if (since && check.at.getTime() < since.getTime() - 10 * 60_000)
    throw new AppError(
      400,
      'before_stay',
      `the check is dated ${check.at.toISOString()}, before the stay began (${since.toISOString()}): check the date`,
    );
  const alert = check.temperature >= FEVER_C || check.symptoms.length > 0;
  const ins = await tx.query<{ id: number }>(
    `INSERT INTO health_checks (placement_id, person_id, checked_at, temperature, symptoms, recorded_by, alert,
                                self_reported, idempotency_key, note)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
    [
      placementId,
      stay.person_id,
      check.at,
      check.temperature,
      check.symptoms,
      check.by,
      alert,
      check.selfReported ?? false,
      check.idempotencyKey ?? null,
      check.note ?? null,
    ],
  );
  const id = ins.rows[0]?.id;
  if (id === undefined) return { status: 'duplicate', alert };
  if (alert) {
    const now = clock.now();
    await tx.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
       VALUES ('health_alert', $1, $2, 'health_check', $3, $4, $5, $6::jsonb), ('extra_test', $1, $2, 'health_check', $3, $4, $5, $6::jsonb)`,
      [
        stay.person_id,
        stay.site_area,
        id,
        new Date(now.getTime() + 2 * 3600_000),
        now,
        JSON.stringify({
          temperature: check.temperature,
          symptoms: check.symptoms,
          ...(check.selfReported ? { self_reported: true } : {}),
        }),
      ],
    );
  }
  return { status: 'recorded', alert };
}
