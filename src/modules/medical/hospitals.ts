/**
 * Hospitals for care (就医): their health-code colour (红码/黄码/绿码医院) and what they can do per service in one
 * Beijing day. Set up and changed within the caller's jurisdiction (a hospital is a place, scoped by its own area
 * code); read by everyone who files or routes requests, city-wide: a patient may be routed to a hospital in another
 * district, and which hospital takes which colour is public information (便民就医信息).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { CodeColour, MedicalService } from '../../domain/medical-routing.ts';
import { AppError } from '../../lib/errors.ts';
import { beijingDay } from './time.ts';

export interface HospitalRow {
  id: number;
  name: string;
  area_code: string;
  address: string;
  site_id: number | null;
  code_colour: CodeColour;
  active: boolean;
  updated_by: string;
  updated_at: Date;
}

export type Services = Partial<Record<MedicalService, number>>;

export interface HospitalInput {
  name: string;
  areaCode: string;
  address: string;
  codeColour: CodeColour;
  siteId?: number | undefined;
  services: Services;
}

async function writeServices(tx: Queryable, id: number, services: Services): Promise<void> {
  for (const [service, capacity] of Object.entries(services)) {
    if (capacity === undefined) continue;
    await tx.query(
      `INSERT INTO hospital_services (hospital_id, service, daily_capacity) VALUES ($1, $2, $3)
       ON CONFLICT (hospital_id, service) DO UPDATE SET daily_capacity = EXCLUDED.daily_capacity`,
      [id, service, capacity],
    );
  }
}

/** A new hospital in an area of the jurisdiction. 409 `hospital_exists` for a name already used. */
export async function createHospital(
  tx: Queryable,
  clock: Clock,
  input: HospitalInput,
  by: string,
  jurisdiction: string,
): Promise<HospitalRow> {
  if (!input.areaCode.startsWith(jurisdiction))
    throw new AppError(403, 'out_of_jurisdiction', `area ${input.areaCode} is outside your jurisdiction`, {
      areas: [input.areaCode],
    });
  const area = await tx.query('SELECT 1 FROM areas WHERE code = $1', [input.areaCode]);
  if (area.rows.length === 0)
    throw new AppError(400, 'area_unknown', `area ${input.areaCode} is not in the registry`);
  if (input.siteId !== undefined) {
    const site = await tx.query<{ kind: string }>('SELECT kind FROM sites WHERE id = $1', [input.siteId]);
    const kind = site.rows[0]?.kind;
    if (kind !== 'designated_hospital' && kind !== 'shelter_hospital')
      throw new AppError(
        400,
        'site_not_hospital',
        `site ${input.siteId} is not a shelter or designated hospital of the isolation module`,
      );
  }
  const { rows } = await tx.query<HospitalRow>(
    `INSERT INTO hospitals (name, area_code, address, site_id, code_colour, updated_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING *`,
    [input.name, input.areaCode, input.address, input.siteId ?? null, input.codeColour, by, clock.now()],
  );
  const h = rows[0];
  if (!h)
    throw new AppError(409, 'hospital_exists', `a hospital named ${input.name} (or for that site) exists`);
  await writeServices(tx, h.id, input.services);
  return h;
}

/** Changes a hospital of the jurisdiction (404 outside, as unknown): colour, active, capacities. */
export async function updateHospital(
  tx: Queryable,
  clock: Clock,
  id: number,
  change: {
    codeColour?: CodeColour | undefined;
    active?: boolean | undefined;
    services?: Services | undefined;
  },
  by: string,
  jurisdiction: string,
): Promise<{ before: HospitalRow; after: HospitalRow }> {
  const { rows } = await tx.query<HospitalRow>(
    'SELECT * FROM hospitals WHERE id = $1 AND starts_with(area_code, $2) FOR UPDATE',
    [id, jurisdiction],
  );
  const before = rows[0];
  if (!before) throw new AppError(404, 'not_found', `hospital ${id} was not found`);
  const saved = await tx.query<HospitalRow>(
    `UPDATE hospitals SET code_colour = $2, active = $3, updated_by = $4, updated_at = $5 WHERE id = $1 RETURNING *`,
    [id, change.codeColour ?? before.code_colour, change.active ?? before.active, by, clock.now()],
  );
  if (change.services) await writeServices(tx, id, change.services);
  return { before, after: saved.rows[0] as HospitalRow };
}

export interface HospitalView extends Omit<HospitalRow, 'updated_at'> {
  updated_at: string;
  services: { service: MedicalService; capacity: number; used: number; free: number }[];
}

/** Every hospital with, per service, its capacity and what is used on a Beijing day (today by default). */
export async function listHospitals(
  db: Queryable,
  now: Date,
  day = beijingDay(now),
): Promise<HospitalView[]> {
  const hs = await db.query<HospitalRow>('SELECT * FROM hospitals ORDER BY code_colour, area_code, id');
  const sv = await db.query<{ hospital_id: number; service: MedicalService; capacity: number; used: number }>(
    `SELECT s.hospital_id, s.service, s.daily_capacity AS capacity,
            (SELECT count(*)::int FROM medical_requests r
              WHERE r.hospital_id = s.hospital_id AND r.service = s.service AND r.service_day = $1::date
                AND r.status <> 'refused') AS used
       FROM hospital_services s ORDER BY s.hospital_id, s.service`,
    [day],
  );
  return hs.rows.map((h) => ({
    ...h,
    updated_at: h.updated_at.toISOString(),
    services: sv.rows
      .filter((s) => s.hospital_id === h.id)
      .map((s) => ({
        service: s.service,
        capacity: s.capacity,
        used: s.used,
        free: Math.max(0, s.capacity - s.used),
      })),
  }));
}
