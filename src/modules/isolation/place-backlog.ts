/**
 * Places the backlog: every case and every contact whose term is centralised under the edition in force, without
 * an open stay, into free rooms and beds of accepted, active sites — decided by the pure engine
 * (src/domain/placement.ts), written in one transaction. Rooms and beds chosen are reserved; each stay records
 * why that unit was chosen; an 'isolation.placed' event goes out for transfer dispatch.
 */

import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { ageOn } from '../../domain/id-number.ts';
import { type PlacementResult, placeAll, type Unit, type WaitingPerson } from '../../domain/placement.ts';
import { type Edition, TERMS } from '../../domain/terms.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { atRisk } from '../registry/risk.ts';
import { startHomeIsolation } from './home.ts';
import { endContactStaysOfCases } from './stays.ts';
import { siteTakesPeople } from './waiting.ts';

const CATEGORY_OF: Record<string, WaitingPerson['category']> = {
  case: 'case',
  close_contact: 'close',
  secondary_contact: 'secondary',
};

export interface PlacementRun {
  placed: number;
  waiting: PlacementResult['waiting'];
  /** Secondary contacts whose home isolation started (editions that isolate them at home). */
  homeIsolated: number;
  /** Contacts' stays ended because their person became a case (they wait for a case's place now). */
  becameCases: number;
}

export async function loadWaiting(
  tx: Queryable,
  scope: Scope,
  edition: Edition,
  today: Date,
): Promise<WaitingPerson[]> {
  const statuses = [
    'case',
    'close_contact',
    ...(TERMS[edition].secondary.centralDays > 0 ? ['secondary_contact'] : []),
  ];
  const params: unknown[] = [statuses];
  const { rows } = await tx.query<{
    id: number;
    risk_status: string;
    severity: string | null;
    household_id: number;
    birth_date: string;
    sex: 'M' | 'F';
    pregnant: boolean;
    disabled: boolean;
    chronic_illness: boolean;
    area_code: string;
    risk_status_at: Date | null;
    created_at: Date;
  }>(
    `SELECT p.id, p_risk.risk_status, c.severity, p.household_id, p.birth_date, p.sex, p.pregnant, p.disabled, p.chronic_illness,
            p.area_code, p_risk.risk_status_at, p.created_at
       FROM ${atRisk('p')} LEFT JOIN cases c ON c.person_id = p.id
      WHERE p_risk.risk_status = ANY($1::text[]) AND p.purged_at IS NULL AND ${scopeCondition('p_risk.area_code', scope, params)}
        AND NOT EXISTS (SELECT 1 FROM placements s WHERE s.person_id = p.id AND s.status IN ('placed', 'arrived'))
      ORDER BY p.id`,
    params,
  );
  return rows.map((r) => ({
    id: r.id,
    category: CATEGORY_OF[r.risk_status] as WaitingPerson['category'],
    severity: (r.severity ?? undefined) as WaitingPerson['severity'],
    householdId: r.household_id,
    age: ageOn(r.birth_date, today),
    sex: r.sex,
    pregnant: r.pregnant,
    disabled: r.disabled,
    chronicIllness: r.chronic_illness,
    areaCode: r.area_code,
    waitingSince: r.risk_status_at ?? r.created_at,
  }));
}

/** A free room or bed; `unit.id` is the engine's id (unique across rooms and beds), `dbId` the row's. */
export interface FreeUnit {
  unit: Unit;
  dbId: number;
}

export async function loadFreeUnits(tx: Queryable): Promise<FreeUnit[]> {
  const rooms = await tx.query<{
    id: number;
    site_id: number;
    kind: Unit['siteKind'];
    area_code: string;
    capacity: number;
    floor: number;
    quality: number;
    accessible: boolean;
    code: string;
    site_name: string;
  }>(
    `SELECT r.id, r.site_id, s.kind, s.area_code, r.capacity, r.floor, r.quality, r.accessible, r.code,
            s.name AS site_name
       FROM rooms r JOIN sites s ON s.id = r.site_id
      WHERE r.status = 'available' AND ${siteTakesPeople('s')} ORDER BY r.id FOR UPDATE OF r`,
  );
  const beds = await tx.query<{
    id: number;
    site_id: number;
    kind: Unit['siteKind'];
    area_code: string;
    ward: string;
    code: string;
    site_name: string;
  }>(
    `SELECT b.id, b.site_id, s.kind, s.area_code, b.ward, b.code, s.name AS site_name FROM beds b JOIN sites s ON s.id = b.site_id
      WHERE b.status = 'available' AND ${siteTakesPeople('s')} ORDER BY b.id FOR UPDATE OF b`,
  );
  const list: FreeUnit[] = [
    ...rooms.rows.map(
      (r): FreeUnit => ({
        dbId: r.id,
        unit: {
          id: 0,
          kind: 'room',
          siteId: r.site_id,
          siteKind: r.kind,
          siteAreaCode: r.area_code,
          capacity: r.capacity,
          floor: r.floor,
          quality: r.quality,
          accessible: r.accessible,
          label: r.code,
          siteName: r.site_name,
        },
      }),
    ),
    ...beds.rows.map(
      (b): FreeUnit => ({
        dbId: b.id,
        unit: {
          id: 0,
          kind: 'bed',
          siteId: b.site_id,
          siteKind: b.kind,
          siteAreaCode: b.area_code,
          capacity: 1,
          label: `${b.ward} ${b.code}`,
          siteName: b.site_name,
        },
      }),
    ),
  ];
  list.forEach((f, i) => {
    f.unit.id = i + 1;
  });
  return list;
}

/** Places everyone waiting in the scope. `tx` must be a transaction (free units are locked while deciding). */
export async function placeBacklog(
  tx: Queryable,
  clock: Clock,
  scope: Scope,
  edition: Edition,
): Promise<PlacementRun> {
  const now = clock.now();
  const becameCases = await endContactStaysOfCases(tx, clock, scope);
  const homeIsolated = await startHomeIsolation(tx, clock, scope, edition);
  const people = await loadWaiting(tx, scope, edition, now);
  if (people.length === 0) return { placed: 0, waiting: [], homeIsolated, becameCases };
  const free = await loadFreeUnits(tx);
  const result = placeAll(
    people,
    free.map((f) => f.unit),
    { now },
  );
  const byEngineId = new Map(free.map((f) => [f.unit.id, f]));
  const personById = new Map(people.map((p) => [p.id, p]));
  const rows: unknown[][] = [];
  const roomIds: number[] = [];
  const bedIds: number[] = [];
  for (const a of result.assignments) {
    const f = byEngineId.get(a.unitId);
    if (!f) throw new Error(`placement engine returned unknown unit ${a.unitId}`);
    (f.unit.kind === 'room' ? roomIds : bedIds).push(f.dbId);
    for (const id of a.personIds) {
      const p = personById.get(id) as WaitingPerson;
      rows.push([
        id,
        p.category,
        f.unit.siteId,
        f.unit.kind === 'room' ? f.dbId : null,
        f.unit.kind === 'bed' ? f.dbId : null,
        a.reason,
        a.phrase ? JSON.stringify(a.phrase) : null,
        edition,
        p.waitingSince,
        now,
      ]);
    }
  }
  if (rows.length > 0) {
    const col = (i: number) => rows.map((r) => r[i]);
    await tx.query(
      `WITH ins AS (
         INSERT INTO placements (person_id, category, site_id, room_id, bed_id, reason, reason_phrase, edition, found_at, placed_at)
         SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::text[], $7::jsonb[], $8::text[], $9::timestamptz[], $10::timestamptz[])
         RETURNING id, person_id, site_id
       )
       INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'isolation.placed', 'placement', ins.id, p.area_code, $10[1], jsonb_build_object('person_id', ins.person_id, 'site_id', ins.site_id)
         FROM ins JOIN persons p ON p.id = ins.person_id`,
      [col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7), col(8), col(9)],
    );
    // A central stay supersedes home monitoring (a person released to home monitoring and exposed again): the
    // home stay ends now with its open home tests, so its end later cannot lower the status of someone held in a
    // room, and nobody is counted at home and in a room at once.
    await tx.query(
      `WITH ended AS (
         UPDATE home_stays SET status = 'ended', ended_at = $2 WHERE person_id = ANY($1::int8[]) AND status = 'active'
         RETURNING id, person_id, area_code
       ), cancelled AS (
         UPDATE tasks SET status = 'cancelled' WHERE kind = 'home_test' AND status = 'open'
            AND (details->>'home_stay_id')::int8 IN (SELECT id FROM ended)
       )
       INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'isolation.home_superseded', 'home_stay', e.id, e.area_code, $2, jsonb_build_object('person_id', e.person_id)
         FROM ended e`,
      [col(0), now],
    );
    await tx.query(`UPDATE rooms SET status = 'reserved' WHERE id = ANY($1::int8[])`, [roomIds]);
    await tx.query(`UPDATE beds SET status = 'reserved' WHERE id = ANY($1::int8[])`, [bedIds]);
  }
  return { placed: rows.length, waiting: result.waiting, homeIsolated, becameCases };
}
