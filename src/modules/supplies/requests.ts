/**
 * Filing a supplies request (保供需求). From a household — a person of the registry asks for their household — or
 * from a community for a compound as a whole (an area code of a community or a grid). Who may ask: a household or a
 * compound inside a lockdown or control zone (the zones module's overlap rule: the strongest active zone containing
 * the area, zones.ts `effectiveZone`); anywhere else 409 `not_in_zone` (supplies there go through the shops).
 * Where it ends: a lockdown household's at the door (封控区足不出户, everything to the door); a control zone
 * household's and every community request at the compound's gate (管控区居民到门口取).
 * Urgency: urgent when asked for, and always when it holds medicine or infant items; due 4 h after it was asked
 * (urgent) or 24 h (normal). The idempotency key makes a retry answer the request already filed and count once.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { SupplyCategory, SupplyUrgency } from '../../domain/supply-plan.ts';
import { AppError } from '../../lib/errors.ts';
import { personsInScope, type Scope, scopeCondition } from '../access/scope.ts';
import { effectiveZone, ZONE_RANK } from '../command/zones.ts';

export const URGENT_CATEGORIES: readonly SupplyCategory[] = ['medicine', 'infant'];
export const DUE_HOURS: Record<SupplyUrgency, number> = { urgent: 4, normal: 24 };
export const REQUEST_STATUSES = ['open', 'planned', 'dispatched', 'at_gate', 'handed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestItem {
  category: SupplyCategory;
  quantity: number;
  detail: string;
}

export interface RequestRow {
  id: number;
  idempotency_key: string;
  requester: 'household' | 'community';
  person_id: number | null;
  household_id: number | null;
  area_code: string;
  zone_level: 'lockdown' | 'control';
  deliver_to: 'door' | 'gate';
  urgency: SupplyUrgency;
  note: string;
  status: RequestStatus;
  delivery_id: number | null;
  requested_by: string;
  requested_at: Date;
  due_at: Date;
  handed_at: Date | null;
  handed_by: string | null;
  handed_worker: string | null;
  handed_worker_kind: string | null;
  handed_key: string | null;
}

export interface RequestInput {
  key: string;
  personId?: number | undefined;
  areaCode?: string | undefined;
  urgency: SupplyUrgency;
  items: RequestItem[];
  note: string;
}

/** The zone deciding whether an area may ask, and where its deliveries end. */
export async function zoneOf(tx: Queryable, area: string): Promise<'lockdown' | 'control' | null> {
  const zone = await effectiveZone(tx, area);
  const rank = zone ? ZONE_RANK[zone.level] : 0;
  return rank === 3 ? 'lockdown' : rank === 2 ? 'control' : null;
}

export async function itemsOf(tx: Queryable, ids: readonly number[]): Promise<Map<number, RequestItem[]>> {
  const out = new Map<number, RequestItem[]>();
  if (ids.length === 0) return out;
  const { rows } = await tx.query<RequestItem & { request_id: number }>(
    `SELECT request_id, category, quantity, detail FROM supply_request_items
      WHERE request_id = ANY($1::int8[]) ORDER BY request_id, category`,
    [[...ids]],
  );
  for (const r of rows) {
    const list = out.get(Number(r.request_id)) ?? [];
    list.push({ category: r.category, quantity: Number(r.quantity), detail: r.detail });
    out.set(Number(r.request_id), list);
  }
  return out;
}

export async function createRequest(
  tx: Queryable,
  clock: Clock,
  input: RequestInput,
  by: string,
  scope: Scope,
): Promise<{ request: RequestRow; items: RequestItem[]; duplicate: boolean }> {
  if ((input.personId === undefined) === (input.areaCode === undefined))
    throw new AppError(
      400,
      'requester_required',
      'a request names either a person (for their household) or the area code of a community or grid (for the compound)',
    );
  const cats = input.items.map((i) => i.category);
  if (new Set(cats).size !== cats.length)
    throw new AppError(400, 'category_repeated', 'each category appears once in a request: add up the packs');
  const urgency: SupplyUrgency = cats.some((c) => URGENT_CATEGORIES.includes(c)) ? 'urgent' : input.urgency;
  const known = await tx.query<RequestRow>('SELECT * FROM supply_requests WHERE idempotency_key = $1', [
    input.key,
  ]);
  const prior = known.rows[0];
  if (prior) return sameRequest(tx, prior, input, scope);

  let area: string;
  let householdId: number | null = null;
  if (input.personId !== undefined) {
    const inScope = await personsInScope(tx, [input.personId], scope);
    const a = inScope.get(input.personId);
    if (a === undefined)
      throw new AppError(404, 'person_unknown', `no person ${input.personId} in your jurisdiction`);
    area = a;
    householdId = Number(
      (await tx.query<{ h: number }>('SELECT household_id AS h FROM persons WHERE id = $1', [input.personId]))
        .rows[0]?.h,
    );
  } else {
    area = input.areaCode as string;
    const lv = await tx.query<{ level: number }>('SELECT level FROM areas WHERE code = $1', [area]);
    const level = lv.rows[0]?.level;
    if (level === undefined || !area.startsWith(scope.prefix))
      throw new AppError(404, 'area_unknown', `no area ${area} in your jurisdiction`);
    if (Number(level) < 5)
      throw new AppError(
        400,
        'area_not_compound',
        `a community request is for a compound: the area code of a community or a grid, not of a ${['', 'province', 'city', 'district', 'street'][Number(level)]}`,
      );
  }
  const zone = await zoneOf(tx, area);
  if (!zone)
    throw new AppError(
      409,
      'not_in_zone',
      `${input.personId !== undefined ? `person ${input.personId}'s home` : `area ${area}`} is in no lockdown or control zone: supplies there go through the shops, not the 保供 deliveries`,
      { area_code: area },
    );
  const deliverTo = zone === 'lockdown' && input.personId !== undefined ? 'door' : 'gate';
  const now = clock.now();
  const due = new Date(now.getTime() + DUE_HOURS[urgency] * 3_600_000);
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO supply_requests (idempotency_key, requester, person_id, household_id, area_code, zone_level, deliver_to,
                                  urgency, note, requested_by, requested_at, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [
      input.key,
      input.personId !== undefined ? 'household' : 'community',
      input.personId ?? null,
      householdId,
      area,
      zone,
      deliverTo,
      urgency,
      input.note,
      by,
      now,
      due,
    ],
  );
  const id = rows[0]?.id;
  if (id === undefined) {
    const again = await tx.query<RequestRow>('SELECT * FROM supply_requests WHERE idempotency_key = $1', [
      input.key,
    ]);
    return sameRequest(tx, again.rows[0] as RequestRow, input, scope);
  }
  for (const i of input.items)
    await tx.query(
      'INSERT INTO supply_request_items (request_id, category, quantity, detail) VALUES ($1, $2, $3, $4)',
      [id, i.category, i.quantity, i.detail],
    );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('supplies.requested', 'supply_request', $1, $2, $3, $4::jsonb)`,
    [
      id,
      area,
      now,
      JSON.stringify({ urgency, zone, items: input.items.map((i) => [i.category, i.quantity]) }),
    ],
  );
  const request = await getRequestRow(tx, Number(id));
  return { request, items: (await itemsOf(tx, [request.id])).get(request.id) ?? [], duplicate: false };
}

async function sameRequest(tx: Queryable, prior: RequestRow, input: RequestInput, scope: Scope) {
  const items = (await itemsOf(tx, [Number(prior.id)])).get(Number(prior.id)) ?? [];
  const sig = (xs: { category: string; quantity: number }[]) =>
    xs
      .map((i) => `${i.category}:${i.quantity}`)
      .sort()
      .join(',');
  if (
    !prior.area_code.startsWith(scope.prefix) ||
    (prior.person_id === null ? null : Number(prior.person_id)) !== (input.personId ?? null) ||
    (input.areaCode !== undefined && prior.area_code !== input.areaCode) ||
    sig(items) !== sig(input.items)
  )
    throw new AppError(
      409,
      'idempotency_key_reused',
      `key ${input.key} was used for another request; a new request needs a new key`,
    );
  return { request: prior, items, duplicate: true };
}

export async function getRequestRow(tx: Queryable, id: number): Promise<RequestRow> {
  const { rows } = await tx.query<RequestRow>('SELECT * FROM supply_requests WHERE id = $1', [id]);
  return rows[0] as RequestRow;
}

/** The request, locked, when it lies in the scope; 404 otherwise. */
export async function lockRequest(tx: Queryable, id: number, scope: Scope): Promise<RequestRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<RequestRow>(
    `SELECT * FROM supply_requests WHERE id = $1 AND ${scopeCondition('area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const r = rows[0];
  if (!r) throw new AppError(404, 'not_found', `supplies request ${id} was not found`);
  return r;
}
