/**
 * Moving people between sites (转点): a placed or arrived stay ends with release_kind 'transferred' and the
 * person is placed again by the placement engine — into another adequate site, or the one asked for — as a new
 * stay that continues the term (due date unchanged; the open test tasks and the personal link follow). People
 * who share a room (one household, by the engine's rule H4) move together, into one unit, or not at all.
 * The room or bed left behind goes to terminal disinfection if it was occupied, or straight back to available
 * if it was only reserved.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { ageOn } from '../../domain/id-number.ts';
import type { Phrase } from '../../domain/phrase.ts';
import {
  caseDestination,
  placeAll,
  QUARANTINE_SITE_KINDS,
  type SiteKind,
  type WaitingPerson,
} from '../../domain/placement.ts';
import { AppError } from '../../lib/errors.ts';
import { loadFreeUnits } from './place-backlog.ts';
import { lockStay, type PlacementRow } from './stay-scope.ts';
import { disinfectionTask } from './stays.ts';
import { siteTakesPeople } from './waiting.ts';

export interface MovedStay {
  from_placement: number;
  placement_id: number;
  person_id: number;
  site_id: number;
  room_id: number | null;
  bed_id: number | null;
  reason: string;
  reason_phrase: readonly Phrase[] | null;
}

export interface MoveResult {
  from_site: number;
  to_site: number;
  moved: MovedStay[];
}

const GROUP_COLUMNS = `pl.*, s.area_code AS site_area`;

export async function moveStay(
  tx: Queryable,
  clock: Clock,
  id: number,
  request: { reason: string; siteId?: number },
  scopePrefix: string,
): Promise<MoveResult> {
  const first = await lockStay(tx, id, { prefix: scopePrefix });
  if (first.status !== 'placed' && first.status !== 'arrived')
    throw new AppError(
      409,
      'transition_invalid',
      `stay ${id} is ${first.status}; only a placed or arrived stay can be moved`,
    );
  // Everyone in the same room moves together (locked in id order: the same order as any other mover).
  const group: PlacementRow[] = first.room_id
    ? (
        await tx.query<PlacementRow>(
          `SELECT ${GROUP_COLUMNS} FROM placements pl JOIN sites s ON s.id = pl.site_id
            WHERE pl.room_id = $1 AND pl.status IN ('placed', 'arrived') ORDER BY pl.id FOR UPDATE OF pl`,
          [first.room_id],
        )
      ).rows
    : [first];
  const now = clock.now();
  const people = await loadPeople(tx, group, now);
  const fromSite = first.site_id;

  // The site asked for: it must exist, be active, suit the category and have room.
  if (request.siteId !== undefined) {
    const { rows } = await tx.query<{
      id: number;
      name: string;
      kind: SiteKind;
      status: string;
      accepted_at: Date | null;
      takes_people: boolean;
    }>(
      `SELECT id, name, kind, status, accepted_at, ${siteTakesPeople('sites')} AS takes_people FROM sites WHERE id = $1`,
      [request.siteId],
    );
    const site = rows[0];
    if (!site) throw new AppError(404, 'site_not_found', `site ${request.siteId} was not found`);
    if (site.id === fromSite)
      throw new AppError(409, 'same_site', `stay ${id} is already at site ${site.id} (${site.name})`);
    if (site.status === 'full')
      throw new AppError(409, 'site_full', `site ${site.id} (${site.name}) is marked full`);
    if (!site.takes_people)
      throw new AppError(
        409,
        'site_not_active',
        `site ${site.id} (${site.name}) is ${site.status}${site.accepted_at === null ? ', not accepted (验收)' : ''}; only an active site takes people`,
      );
    const p = people[0] as WaitingPerson;
    const needed: readonly SiteKind[] = p.category === 'case' ? [caseDestination(p)] : QUARANTINE_SITE_KINDS;
    if (!needed.includes(site.kind))
      throw new AppError(
        409,
        'site_wrong_kind',
        `site ${site.id} (${site.name}) is a ${site.kind}; ${p.category === 'case' ? `this case needs a ${needed[0]} bed` : 'contacts go to quarantine rooms (hotel, training centre, party school, public housing, prefab)'}`,
      );
  }

  const free = (await loadFreeUnits(tx)).filter((f) =>
    request.siteId !== undefined ? f.unit.siteId === request.siteId : f.unit.siteId !== fromSite,
  );
  const result = placeAll(
    people,
    free.map((f) => f.unit),
    { now },
  );
  const noRoom = (why: string) =>
    request.siteId !== undefined
      ? new AppError(409, 'site_full', `site ${request.siteId} cannot take them: ${why}`)
      : new AppError(409, 'no_adequate_site', `no other site can take them now: ${why}`);
  if (result.waiting.length > 0)
    throw noRoom(result.waiting.map((w) => `person ${w.personId}: ${w.reason}`).join('; '));
  if (group.length > 1 && result.assignments.length > 1)
    throw noRoom(`no free room holds the ${group.length} people of room ${first.room_id} together`);

  // Close the old stays and free the unit they leave.
  await tx.query(
    `UPDATE placements SET status = 'released', released_at = $2, release_kind = 'transferred' WHERE id = ANY($1::int8[])`,
    [group.map((g) => g.id), now],
  );
  await leaveUnit(tx, now, first);

  const byEngineId = new Map(free.map((f) => [f.unit.id, f]));
  const byPerson = new Map(group.map((g) => [g.person_id, g]));
  const moved: MovedStay[] = [];
  let toSite = 0;
  for (const a of result.assignments) {
    const f = byEngineId.get(a.unitId);
    if (!f) throw new Error(`placement engine returned unknown unit ${a.unitId}`);
    toSite = f.unit.siteId;
    const roomId = f.unit.kind === 'room' ? f.dbId : null;
    const bedId = f.unit.kind === 'bed' ? f.dbId : null;
    await tx.query(
      `UPDATE ${f.unit.kind === 'room' ? 'rooms' : 'beds'} SET status = 'reserved' WHERE id = $1`,
      [f.dbId],
    );
    for (const personId of a.personIds) {
      const old = byPerson.get(personId) as PlacementRow;
      const ins = await tx.query<{ id: number }>(
        `INSERT INTO placements (person_id, category, site_id, room_id, bed_id, reason, edition, found_at, placed_at,
                                 due_at, moved_from, term_started_at, reason_phrase)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb) RETURNING id`,
        [
          personId,
          old.category,
          f.unit.siteId,
          roomId,
          bedId,
          a.reason,
          old.edition,
          old.found_at,
          now,
          old.due_at,
          old.id,
          old.term_started_at ?? old.arrived_at,
          a.phrase ? JSON.stringify(a.phrase) : null,
        ],
      );
      const newId = (ins.rows[0] as { id: number }).id;
      moved.push({
        from_placement: old.id,
        placement_id: newId,
        person_id: personId,
        site_id: f.unit.siteId,
        room_id: roomId,
        bed_id: bedId,
        reason: a.reason,
        reason_phrase: a.phrase ?? null,
      });
      // The term's outstanding tests and the personal link follow the person.
      await tx.query(
        `UPDATE tasks SET details = details || jsonb_build_object('placement_id', $2::int8), area_code = $3
          WHERE kind = 'quarantine_test' AND status = 'open' AND (details->>'placement_id')::int8 = $1`,
        [old.id, newId, f.unit.siteAreaCode],
      );
      await tx.query(
        'UPDATE self_report_links SET placement_id = $2 WHERE placement_id = $1 AND revoked_at IS NULL',
        [old.id, newId],
      );
      await tx.query(
        `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
         VALUES ('isolation.moved', 'placement', $1, $2, $3, $4::jsonb),
                ('isolation.placed', 'placement', $5, (SELECT area_code FROM persons WHERE id = $6), $3, $7::jsonb)`,
        [
          old.id,
          old.site_area,
          now,
          JSON.stringify({
            person_id: personId,
            from_site: fromSite,
            to_site: f.unit.siteId,
            to_placement: newId,
            reason: request.reason,
          }),
          newId,
          personId,
          JSON.stringify({ person_id: personId, site_id: f.unit.siteId, moved_from: old.id }),
        ],
      );
    }
  }
  moved.sort((a, b) => a.from_placement - b.from_placement);
  return { from_site: fromSite, to_site: toSite, moved };
}

/** The people of the group as the engine sees them (category and waiting time from their stays). */
async function loadPeople(tx: Queryable, group: PlacementRow[], now: Date): Promise<WaitingPerson[]> {
  const { rows } = await tx.query<{
    id: number;
    severity: string | null;
    household_id: number;
    birth_date: string;
    sex: 'M' | 'F';
    pregnant: boolean;
    disabled: boolean;
    chronic_illness: boolean;
    area_code: string;
  }>(
    `SELECT p.id, c.severity, p.household_id, p.birth_date, p.sex, p.pregnant, p.disabled, p.chronic_illness, p.area_code
       FROM persons p LEFT JOIN cases c ON c.person_id = p.id WHERE p.id = ANY($1::int8[]) ORDER BY p.id`,
    [group.map((g) => g.person_id)],
  );
  const stayOf = new Map(group.map((g) => [g.person_id, g]));
  return rows.map((r) => {
    const stay = stayOf.get(r.id) as PlacementRow;
    return {
      id: r.id,
      category: stay.category,
      severity: (r.severity ?? undefined) as WaitingPerson['severity'],
      householdId: r.household_id,
      age: ageOn(r.birth_date, now),
      sex: r.sex,
      pregnant: r.pregnant,
      disabled: r.disabled,
      chronicIllness: r.chronic_illness,
      areaCode: r.area_code,
      waitingSince: stay.found_at,
    };
  });
}

/** The unit left behind: to terminal disinfection if someone was in it, back to available if only reserved. */
async function leaveUnit(tx: Queryable, now: Date, pl: PlacementRow): Promise<void> {
  const kind = pl.room_id ? 'room' : 'bed';
  const unitId = (pl.room_id ?? pl.bed_id) as number;
  const table = kind === 'room' ? 'rooms' : 'beds';
  const { rows } = await tx.query<{ status: string }>(
    `SELECT status FROM ${table} WHERE id = $1 FOR UPDATE`,
    [unitId],
  );
  const status = rows[0]?.status;
  if (status === 'occupied') {
    await tx.query(`UPDATE ${table} SET status = 'awaiting_disinfection', vacated_at = $2 WHERE id = $1`, [
      unitId,
      now,
    ]);
    await disinfectionTask(tx, now, kind, unitId, pl.site_area);
  } else if (status === 'reserved') {
    await tx.query(`UPDATE ${table} SET status = 'available' WHERE id = $1`, [unitId]);
  }
}
