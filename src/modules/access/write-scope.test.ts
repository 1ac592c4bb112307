/**
 * Write scoping, tested the way reads are (access.test.ts): users of random roles and jurisdictions try every
 * write that names a person, a stay or a place, on targets inside and outside their jurisdiction. Outside, the
 * answer is the route's refusal (404 like a read, or its documented per-item or area refusal), never a change:
 * the rows a write could touch are fingerprinted before and after, and no audit entry is written. The rule and
 * the classification of every route: docs/SECURITY.md, "Write scoping".
 */

import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { setZone } from '../command/zones.ts';
import { placeBacklog } from '../isolation/place-backlog.ts';
import { arrive } from '../isolation/stays.ts';
import { createCheckpoint } from '../passes/checkpoints.ts';
import { issuePass } from '../passes/issue.ts';
import { seedCity } from '../registry/seed-city.ts';
import { buildFhirResultsBundle } from '../testing/fhir/parse-results.ts';
import { createRound } from '../testing/rounds.ts';
import { createCase, traceCase } from '../tracing/trace-case.ts';
import { planPendingTrips } from '../transfer/trips.ts';
import { createToken, createUser } from './accounts.ts';
import { verifyAudit } from './audit.ts';
import { type Permission, ROLE_PERMISSIONS, ROLES, type Role } from './roles.ts';
import { UNSCOPED } from './scope.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');
const WRITERS: Role[] = ['commander', 'dispatcher', 'testing', 'tracer', 'admin'];

/**
 * Every non-GET route that is not public, and what decides where it may act (docs/SECURITY.md):
 * person — the person(s) it names (their area code); stay — the stay's person or its site; place — the site,
 * room, bed, zone, round, point, tube, box or account it names (its area code); jurisdiction — everything of the
 * caller's own jurisdiction, nothing named; system — city-wide by design; own — the caller's own session.
 */
const WRITES: Record<string, 'person' | 'stay' | 'place' | 'jurisdiction' | 'system' | 'own'> = {
  'POST /api/auth/logout': 'own',
  'POST /api/auth/password': 'own',
  'POST /api/users': 'place',
  'POST /api/users/:id/disable': 'place',
  'POST /api/tokens': 'place',
  'POST /api/tokens/:id/revoke': 'place',
  'POST /api/admin/purge': 'jurisdiction',
  'POST /api/persons/:id/unmask': 'person',
  'POST /api/imports/persons': 'person',
  'POST /api/testing/rounds': 'place',
  'POST /api/testing/rounds/plan': 'place',
  'POST /api/testing/rounds/:id/close': 'place',
  'POST /api/testing/rounds/:id/scans': 'place',
  'POST /api/testing/rounds/:id/scans/file': 'place',
  'POST /api/testing/tubes/close': 'place',
  'POST /api/testing/boxes': 'place',
  'POST /api/testing/boxes/:box/ship': 'place',
  'POST /api/testing/boxes/:box/receive': 'place',
  'POST /api/testing/results': 'place',
  'POST /api/testing/results/fhir': 'place',
  'POST /api/testing/results/file': 'place',
  'POST /api/testing/antigen': 'person',
  'POST /api/tasks/:id/done': 'person',
  'POST /api/tracing/cases': 'person',
  'POST /api/tracing/cases/:id/classify': 'person',
  'POST /api/tracing/cases/:id/exposures': 'person',
  'POST /api/tracing/checkins': 'person',
  'POST /api/tracing/colocations': 'person',
  'POST /api/tracing/run': 'system',
  'PUT /api/tracing/rules': 'system',
  'POST /api/twin/runs': 'system',
  'POST /api/twin/runs/:id/cancel': 'system',
  'POST /api/isolation/place': 'jurisdiction',
  'PUT /api/isolation/auto-placement': 'jurisdiction',
  'POST /api/isolation/stays/:id/arrive': 'stay',
  'POST /api/isolation/stays/:id/release': 'stay',
  'POST /api/isolation/stays/:id/discharge': 'stay',
  'POST /api/isolation/:kind/:id/disinfection': 'place',
  'POST /api/isolation/sites/:id/:step': 'place',
  'POST /api/isolation/tiers/:tier/open': 'jurisdiction',
  'POST /api/isolation/home/end-due': 'jurisdiction',
  'POST /api/isolation/stays/:id/health': 'stay',
  'POST /api/isolation/stays/:id/self-report-link': 'stay',
  'DELETE /api/isolation/stays/:id/self-report-link': 'stay',
  'POST /api/isolation/stays/:id/move': 'stay',
  'POST /api/zones': 'place',
  'POST /api/zones/:id/lift': 'place',
  'POST /api/leaders': 'place',
  'POST /api/transfer/plan': 'person', // `urgent` names people; without it, the jurisdiction's backlog
  'POST /api/transfer/trips/:id/depart': 'place', // a trip is where its pickups are, as its reads
  'POST /api/transfer/trips/:id/pickup': 'place', // the trip, as depart: its crew runs its whole manifest
  'POST /api/transfer/trips/:id/deliver': 'place',
  'POST /api/transfer/trips/:id/disinfected': 'place',
  'POST /api/passes': 'place', // the areas it allows
  'POST /api/disinfection/places': 'place',
  'POST /api/disinfection/places/:id/active': 'place',
  'POST /api/disinfection/records': 'place',
  'POST /api/medical/hospitals': 'place',
  'PATCH /api/medical/hospitals/:id': 'place',
  'POST /api/medical/requests': 'person',
  'POST /api/medical/requests/:id/route': 'person',
  'POST /api/medical/requests/:id/vehicle': 'person',
  'POST /api/medical/requests/:id/at-hospital': 'person',
  'POST /api/medical/requests/:id/treated': 'person',
  'POST /api/medical/requests/:id/refuse': 'person',
  'POST /api/forces/workers': 'place', // the worker's base area
  'POST /api/forces/workers/:id/status': 'place',
  'POST /api/forces/teams': 'place',
  'POST /api/forces/rosters': 'place', // the roster's area
  'POST /api/forces/rosters/:id/confirm': 'place',
  'POST /api/forces/rosters/:id/shifts': 'place', // the roster's area and the worker's
  'POST /api/forces/rosters/:id/shifts/:shift/remove': 'place',
  'POST /api/forces/loops': 'place',
  'POST /api/forces/loops/:id/workers': 'place', // the loop's area and the workers'
  'POST /api/forces/tests': 'place', // the worker's base area
  'POST /api/supplies/depots': 'place',
  'POST /api/supplies/depots/:id/receipts': 'place',
  'POST /api/supplies/requests': 'person', // a household's by its person; a compound's by its area
  'POST /api/supplies/requests/:id/handed': 'person',
  'POST /api/supplies/deliveries': 'place', // the compound it goes to
  'POST /api/supplies/deliveries/:id/dispatched': 'place',
  'POST /api/supplies/deliveries/:id/at-gate': 'place',
  'POST /api/passes/:id/revoke': 'place', // the area containing its areas
  'POST /api/checkpoints': 'place',
  'POST /api/checkpoints/:id/scans': 'place', // the checkpoint (the pass may be of anywhere)
};

/** What a write names: ids for the request, and the area codes that place it. */
interface Target {
  a: number | string;
  b: number | string | null;
  areas: string[];
}

interface Probe {
  route: string;
  /** Candidates, read afresh for each run (the property's own writes change states). */
  targets: string;
  /** Inside when any of the areas is (a stay: its person or its site); otherwise all of them must be. */
  anyArea?: boolean;
  request: (t: Target, n: number) => { url: string; payload?: unknown };
  /** The refusal of a target outside (default 404). */
  refused?: (res: LightMyRequestResponse) => void;
  /** The route records every attempt (a file upload), never naming what it refused. */
  auditsAttempts?: boolean;
}

const itemRefused = (code: string) => (res: LightMyRequestResponse) => {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().items[0]).toMatchObject({ status: 'rejected', code });
};
const outOfJurisdiction = (res: LightMyRequestResponse) => {
  expect(res.statusCode, res.body).toBe(403);
  expect(res.json().error.code).toBe('out_of_jurisdiction');
};
const csv = (text: string, name = 'rows.csv') => {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/csv' }), name);
  return form;
};

/** Rows a refused write could have touched, as one hash per table (a count for append-only ones). */
const HASHED: Record<string, string> = {
  persons: 'id, name, phone, area_code, household_id',
  person_risk: 'person_id, risk_status, risk_status_at',
  placements: 'id, status, site_id, room_id, bed_id, due_at',
  self_report_links: 'id, revoked_at',
  cases: 'id, severity, onset_date, outcome, traced_at',
  tasks: 'id, status, done_at',
  trips: 'id, status, departed_at, delivered_at, disinfected_at',
  trip_passengers: 'id, status',
  rooms: 'id, status',
  beds: 'id, status',
  sites: 'id, status',
  zones: 'id, status',
  leaders: 'id, active',
  tubes: 'id, status, members, box_id',
  boxes: 'id, status',
  users: 'id, status',
  api_tokens: 'id, revoked_at',
  home_stays: 'id, status',
  passes: 'id, revoked_at',
  checkpoints: 'id, name',
  disinfection_places: 'id, active',
  hospitals: 'id, code_colour, active',
  medical_requests: 'id, status, hospital_id, vehicle_id',
  workers: 'id, status, loop_id',
  support_teams: 'id, name',
  rosters: 'id, status',
  roster_shifts: 'id, status',
  closed_loops: 'id, name',
  supply_depots: 'id, active',
  supply_requests: 'id, status, delivery_id, handed_at',
  supply_deliveries: 'id, status',
};
const COUNTED = [
  'disinfections',
  'disinfection_due',
  'health_checks',
  'contact_links',
  'manual_exposures',
  'checkins',
  'colocations',
  'antigen_reports',
  'scans',
  'tube_results',
  'rounds',
  'households',
  'events',
  'pass_checks',
  'loop_tests',
  'loop_test_due',
  'roster_shortfalls',
  'supply_stock_moves',
  'supply_delivery_steps',
  'supply_request_items',
];
const FINGERPRINT_PAIRS = [
  ...Object.entries(HASHED).map(
    ([t, cols]) =>
      `'${t}', (SELECT md5(coalesce(string_agg(concat_ws(',', ${cols}), ';' ORDER BY ${cols.split(',')[0]}), '')) FROM ${t})`,
  ),
  ...COUNTED.map((t) => `'${t}', (SELECT count(*) FROM ${t})`),
];
// In objects of 40 tables: a function takes at most 100 arguments.
const FINGERPRINT_SQL = `SELECT ${Array.from(
  { length: Math.ceil(FINGERPRINT_PAIRS.length / 40) },
  (_, i) => `jsonb_build_object(${FINGERPRINT_PAIRS.slice(i * 40, i * 40 + 40).join(', ')})`,
).join(' || ')} AS f`;

describeBackends('write scoping', (ctx) => {
  let app: FastifyInstance;
  const routes: { method: string; url: string; config: Record<string, unknown> }[] = [];
  let jurisdictions: string[] = [];
  let venue = '';
  let lab = 0;
  let sampled = 0; // a person the scan probes name (scans are scoped by their point)
  let passToken = ''; // a pass the checkpoint probes check (checks are scoped by their checkpoint)
  let n = 0; // unique keys and barcodes
  const fingerprint = async () =>
    (await ctx.db.query<{ f: Record<string, string> }>(FINGERPRINT_SQL)).rows[0]?.f;
  const lastAudit = async () =>
    (await ctx.db.query<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM audit_log')).rows[0]?.id ?? 0;
  const send = (s: TestSession, route: string, url: string, payload?: unknown) =>
    app.inject({
      method: route.split(' ')[0] as 'POST',
      url,
      headers: s.headers,
      payload: payload as never,
    });

  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 3000, seed: 11, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    await app.ready();
    routes.push(...app.routeTable.filter((r) => !r.url.startsWith('/api/docs')));
    // Jurisdictions at every depth, in every district.
    const { rows } = await ctx.db.query<{ area_code: string }>(
      'SELECT DISTINCT ON (left(area_code, 6)) area_code FROM persons ORDER BY left(area_code, 6), area_code',
    );
    jurisdictions = [
      ...new Set(['2202', ...rows.flatMap((r) => [6, 9, 12, 15].map((l) => r.area_code.slice(0, l)))]),
    ];
    // Cases in every district, traced; their contacts placed, some arrived; trips planned.
    const spread = await ctx.db.query<{ id: number }>(
      'SELECT DISTINCT ON (left(area_code, 6)) id FROM persons ORDER BY left(area_code, 6), id',
    );
    for (const p of spread.rows) {
      await ctx.db.transaction(async (tx) => {
        const c = await createCase(tx, clock, { personId: p.id, firstPositiveAt: clock.now() });
        await tx.query(
          `INSERT INTO manual_exposures (case_id, person_id, kind, level, starts_at, ends_at, recorded_by, recorded_at)
           SELECT $1, id, 'workplace', 'close', $2, $2, 'test', $2 FROM persons WHERE id % 331 = $3 AND id <> $4`,
          [c.case.id, clock.now(), c.case.id % 331, p.id],
        );
        await traceCase(tx, clock, c.case.id);
      });
    }
    await ctx.db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    await ctx.db.transaction((tx) => planPendingTrips(tx, clock, UNSCOPED));
    const stays = await ctx.db.query<{ id: number }>(
      "SELECT id FROM placements WHERE status = 'placed' AND id % 2 = 0 ORDER BY id",
    );
    for (const s of stays.rows) await ctx.db.transaction((tx) => arrive(tx, clock, s.id, ''));
    // A round over the city; tubes and boxes at its points; tasks; zones; accounts to disable and tokens to revoke.
    await ctx.db.transaction((tx) =>
      createRound(tx, clock, { name: 'r', areas: ['2202'], createdBy: 't' }, ''),
    );
    await ctx.db.query(
      `INSERT INTO tubes (barcode, round_id, sampling_point_id, area_code, pool_size, members, status, opened_at, closed_at)
       SELECT 'WT' || id || s.st, round_id, id, area_code, 10, 1, s.st, $1::timestamptz, CASE WHEN s.st = 'open' THEN NULL ELSE $1::timestamptz END
         FROM sampling_points, (VALUES ('open'), ('closed')) AS s(st)`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO boxes (barcode, round_id, area_code, status, packed_at)
       SELECT 'WB' || id || s.st, round_id, area_code, s.st, $1 FROM sampling_points, (VALUES ('packing'), ('in_transit')) AS s(st)`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at)
       SELECT 'retest_single_tube', id, area_code, 'person', id, $1, $1 FROM persons WHERE id % 7 = 0`,
      [clock.now()],
    );
    // Disinfection places with a due time, hospitals and medical requests in every district.
    await ctx.db.query(
      `INSERT INTO disinfection_places (kind, name, area_code, owner, created_by, created_at)
       SELECT 'market', 'WS 市场 ' || code, code, '市场管理处', 't', $1 FROM areas
        WHERE level BETWEEN 3 AND 5 AND starts_with(code, '2202')`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO disinfection_due (place_id, area_code, reason, due_at, created_at)
       SELECT id, area_code, 'schedule', $1, $1 FROM disinfection_places`,
      [new Date(clock.now().getTime() - 3600_000)], // late: taking a place out of service keeps late ones
    );
    await ctx.db.query(
      `INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at)
       SELECT 'env_disinfection', area_code, 'disinfection_due', id, due_at, created_at FROM disinfection_due`,
    );
    await ctx.db.query(
      `INSERT INTO hospitals (name, area_code, code_colour, updated_by, updated_at)
       SELECT 'WS 医院 ' || code, code, 'yellow', 't', $1 FROM areas WHERE level BETWEEN 3 AND 4 AND starts_with(code, '2202')`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO medical_requests (idempotency_key, person_id, area_code, service, urgency, contact_phone, code_colour,
                                     basis, colour_reason, requested_by, requested_at, last_step_at)
       SELECT 'ws-medical-seed-' || id, id, area_code, 'chronic_medicine', 'routine', '13800000000', 'yellow',
              'control_zone', '{}'::jsonb, 't', $1, $1 FROM persons WHERE id % 11 = 0`,
      [clock.now()],
    );
    // Forces (力量调配): a worker, a draft roster with a shift and a closed loop in every district, street, community.
    await ctx.db.query(
      `INSERT INTO workers (idempotency_key, name, role, skills, area_code, status_at, created_by, created_at)
       SELECT 'ws-worker-seed-' || code, 'WS 工作人员', 'sampler', ARRAY['sampler'], code, $1, 't', $1 FROM areas
        WHERE level BETWEEN 3 AND 5 AND starts_with(code, '2202')`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO rosters (area_code, day, rules, demand, proposed_by, proposed_at)
       SELECT code, '2022-03-14', '{"maxHoursIn24":12,"minRestHours":8,"restDayEvery":7}'::jsonb, '[]'::jsonb, 't', $1
         FROM areas WHERE level BETWEEN 3 AND 5 AND starts_with(code, '2202')`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO roster_shifts (roster_id, worker_id, area_code, skill, starts_at, ends_at)
       SELECT r.id, w.id, r.area_code, 'sampler', $1, $1::timestamptz + interval '8 hours'
         FROM rosters r JOIN workers w ON w.area_code = r.area_code`,
      [new Date('2022-03-14T08:00:00Z')],
    );
    await ctx.db.query(
      `INSERT INTO closed_loops (name, area_code, lodging, post, transport, created_by, created_at)
       SELECT 'WS 闭环 ' || code, code, '酒店', '岗位', '专车', 't', $1 FROM areas
        WHERE level BETWEEN 3 AND 4 AND starts_with(code, '2202')`,
      [clock.now()],
    );
    // Supplies (保供): a depot with stock in every district, requests of households, deliveries planned to every
    // community (empty: their steps move no stock).
    await ctx.db.query(
      `INSERT INTO supply_depots (name, area_code, source, created_by, created_at)
       SELECT 'WS 保供仓 ' || code, code, 'local', 't', $1 FROM areas WHERE level = 3 AND starts_with(code, '2202')`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO supply_stock (depot_id, category, quantity)
       SELECT id, c, 100 FROM supply_depots, unnest(ARRAY['groceries', 'medicine', 'infant', 'elderly', 'other']) AS c`,
    );
    await ctx.db.query(
      `INSERT INTO supply_requests (idempotency_key, requester, person_id, household_id, area_code, zone_level, deliver_to,
                                    urgency, requested_by, requested_at, due_at)
       SELECT 'ws-supply-seed-' || id, 'household', id, household_id, area_code, 'control', 'gate', 'normal', 't', $1, $1
         FROM persons WHERE id % 13 = 0`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO supply_deliveries (idempotency_key, depot_id, area_code, planned_by, planned_at)
       SELECT 'ws-delivery-' || a.code, d.id, a.code, 't', $1
         FROM areas a JOIN supply_depots d ON d.area_code = left(a.code, 6) WHERE a.level = 5`,
      [clock.now()],
    );
    for (const code of jurisdictions.filter((j) => j.length >= 6))
      await ctx.db.transaction((tx) =>
        setZone(tx, clock, { areaCode: code, level: 'control', reason: 'seeded', by: 't' }, ''),
      );
    for (const j of jurisdictions) {
      await createUser(ctx.db, {
        username: `target-${j}`,
        displayName: 't',
        password: 'a long enough passphrase 1',
        role: 'viewer',
        jurisdiction: j,
      });
      await createToken(ctx.db, clock, {
        name: `t-${j}`,
        role: 'viewer',
        jurisdiction: j,
        days: 30,
        createdBy: null,
      });
    }
    venue =
      (await ctx.db.query<{ v: string }>('SELECT venue_code AS v FROM venues LIMIT 1')).rows[0]?.v ?? '';
    lab = (await ctx.db.query<{ id: number }>('SELECT id FROM labs LIMIT 1')).rows[0]?.id ?? 0;
    sampled =
      (await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id LIMIT 1')).rows[0]?.id ?? 0;
    // A pass and a checkpoint in every jurisdiction of a district or below.
    for (const [i, j] of jurisdictions.filter((x) => x.length >= 6).entries())
      await ctx.db.transaction(async (tx) => {
        const pass = await issuePass(
          tx,
          clock,
          {
            kind: 'supply',
            holderType: 'vehicle',
            holderName: '司机',
            plate: `吉B${String(10000 + i)}`,
            organisation: '保供',
            purpose: '配送',
            validFrom: clock.now(),
            validTo: new Date(clock.now().getTime() + 86400_000),
            areas: [j],
            route: false,
          },
          'test',
          '',
        );
        passToken = pass.token;
        await createCheckpoint(
          tx,
          clock,
          { name: `卡口${i}`, areaCode: j, latitude: 43.8, longitude: 126.5 },
          't',
          '',
        );
      });
  });
  afterAll(async () => {
    await app.close();
  });

  const at = () => new Date(clock.now().getTime() - 60_000).toISOString(); // after every stay arrived (at now)
  const PERSONS = 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM persons';
  const STAYS = `SELECT pl.id AS a, NULL AS b, ARRAY[p.area_code, s.area_code] AS areas
                   FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id`;
  const TRIPS = `SELECT t.id AS a, t.site_id AS b, array_agg(tp.pickup_area_code) AS areas
                   FROM trips t JOIN trip_passengers tp ON tp.trip_id = t.id GROUP BY t.id`;
  const AREAS = `SELECT code AS a, NULL AS b, ARRAY[code] AS areas FROM areas
                  WHERE level BETWEEN 3 AND 6 AND starts_with(code, '2202') AND (level < 6 OR right(code, 1) = '1')`;
  const COMMUNITIES = `${AREAS} AND level >= 5`;
  const stay = (route: string, payload?: () => unknown): Probe => ({
    route,
    targets: STAYS,
    anyArea: true,
    request: (t) => ({ url: `/api/isolation/stays/${t.a}/${route.split('/').at(-1)}`, payload: payload?.() }),
  });
  const trip = (route: string, payload?: (t: Target) => unknown): Probe => ({
    route,
    targets: TRIPS,
    anyArea: true,
    request: (t) => ({ url: `/api/transfer/trips/${t.a}/${route.split('/').at(-1)}`, payload: payload?.(t) }),
  });

  const PROBES: Probe[] = [
    // People.
    {
      route: 'POST /api/persons/:id/unmask',
      targets: PERSONS,
      request: (t) => ({ url: `/api/persons/${t.a}/unmask`, payload: { reason: 'write scope property' } }),
    },
    {
      route: 'POST /api/tracing/cases',
      targets: PERSONS,
      request: (t) => ({ url: '/api/tracing/cases', payload: { person_id: t.a, first_positive_at: at() } }),
    },
    {
      route: 'POST /api/tracing/cases/:id/classify',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM cases',
      request: (t) => ({ url: `/api/tracing/cases/${t.a}/classify`, payload: { severity: 'mild' } }),
    },
    {
      route: 'POST /api/tracing/cases/:id/exposures',
      targets: `SELECT c.id AS a, p.id AS b, ARRAY[c.area_code, p.area_code] AS areas FROM cases c
                  JOIN persons p ON p.id % 5 = 0 AND p.id <> c.person_id`,
      request: (t) => ({
        url: `/api/tracing/cases/${t.a}/exposures`,
        payload: { items: [{ person_id: t.b, kind: 'meal', starts_at: at(), ends_at: at() }] },
      }),
    },
    {
      route: 'POST /api/tracing/checkins',
      targets: PERSONS,
      request: (t) => ({
        url: '/api/tracing/checkins',
        payload: { items: [{ person_id: t.a, venue_code: venue, at: at() }] },
      }),
      refused: itemRefused('person_unknown'),
    },
    {
      route: 'POST /api/tracing/colocations',
      targets: PERSONS,
      request: (t) => ({
        url: '/api/tracing/colocations',
        payload: {
          items: [{ person_id: t.a, cell_id: 'W-1', starts_at: at(), ends_at: clock.now().toISOString() }],
        },
      }),
      refused: itemRefused('person_unknown'),
    },
    {
      route: 'POST /api/testing/antigen',
      targets: PERSONS,
      request: (t, k) => ({
        url: '/api/testing/antigen',
        payload: { items: [{ key: `antigen-${k}`, person_id: t.a, result: 'negative', reported_at: at() }] },
      }),
      refused: itemRefused('person_unknown'),
    },
    {
      route: 'POST /api/tasks/:id/done',
      targets: "SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM tasks WHERE status = 'open'",
      request: (t) => ({ url: `/api/tasks/${t.a}/done`, payload: {} }),
    },
    {
      route: 'POST /api/transfer/plan',
      targets: PERSONS,
      request: (t) => ({ url: '/api/transfer/plan', payload: { urgent: [t.a] } }),
    },
    {
      // The trip is where its pickups are (any of them); then any passenger of it, whatever their district.
      route: 'POST /api/transfer/trips/:id/pickup',
      targets: `SELECT tp.trip_id AS a, tp.person_id AS b,
                       (SELECT array_agg(o.pickup_area_code) FROM trip_passengers o WHERE o.trip_id = tp.trip_id) AS areas
                  FROM trip_passengers tp`,
      anyArea: true,
      request: (t) => ({ url: `/api/transfer/trips/${t.a}/pickup`, payload: { person_id: t.b } }),
    },
    {
      route: 'POST /api/imports/persons',
      targets: `SELECT p.id_number || ',' || p.name || ',' || p.area_code || ',' || coalesce(p.address, 'x') || ',' || h.household_key AS a,
                       NULL AS b, ARRAY[p.area_code] AS areas
                  FROM persons p JOIN households h ON h.id = p.household_id`,
      request: (t) => ({
        url: '/api/imports/persons',
        payload: csv(`id_number,name,area_code,address,household_key\n${t.a}\n`),
      }),
      refused: (res) => {
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json().error.details.rejections[0].code).toBe('area_out_of_scope');
      },
      auditsAttempts: true,
    },
    // Stays: the person's jurisdiction or the site's.
    stay('POST /api/isolation/stays/:id/arrive'),
    stay('POST /api/isolation/stays/:id/release'),
    stay('POST /api/isolation/stays/:id/discharge', () => ({ tests: [{ at: at(), ct: 36 }] })),
    stay('POST /api/isolation/stays/:id/health', () => ({ at: at(), temperature: 36.6 })),
    stay('POST /api/isolation/stays/:id/self-report-link'),
    stay('DELETE /api/isolation/stays/:id/self-report-link'),
    stay('POST /api/isolation/stays/:id/move', () => ({ reason: 'write scope property' })),
    // Trips: where their pickups are (as GET /api/transfer/trips).
    trip('POST /api/transfer/trips/:id/depart'),
    trip('POST /api/transfer/trips/:id/deliver', (t) => ({ site_id: t.b })),
    trip('POST /api/transfer/trips/:id/disinfected'),
    // Places.
    {
      route: 'POST /api/isolation/:kind/:id/disinfection',
      targets: `SELECT u.id AS a, u.kind AS b, ARRAY[s.area_code] AS areas FROM sites s JOIN (
                  SELECT id, site_id, 'rooms' AS kind FROM rooms WHERE id % 5 = 0
                  UNION ALL SELECT id, site_id, 'beds' FROM beds WHERE id % 5 = 0) u ON u.site_id = s.id`,
      request: (t) => ({ url: `/api/isolation/${t.b}/${t.a}/disinfection`, payload: { action: 'start' } }),
    },
    {
      route: 'POST /api/isolation/sites/:id/:step',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM sites',
      request: (t) => ({ url: `/api/isolation/sites/${t.a}/inspect` }),
    },
    {
      route: 'POST /api/zones',
      targets: AREAS,
      request: (t) => ({
        url: '/api/zones',
        payload: { area_code: t.a, level: 'prevention', reason: 'write scope property' },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/zones/:id/lift',
      targets: "SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM zones WHERE status = 'active'",
      request: (t) => ({ url: `/api/zones/${t.a}/lift` }),
    },
    {
      route: 'POST /api/leaders',
      targets: AREAS,
      request: (t) => ({ url: '/api/leaders', payload: { name: '王', area_code: t.a, function: 'all' } }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/testing/rounds',
      targets: COMMUNITIES,
      request: (t) => ({ url: '/api/testing/rounds', payload: { name: 'w', areas: [t.a] } }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/testing/rounds/plan',
      targets: COMMUNITIES,
      request: (t) => ({ url: '/api/testing/rounds/plan', payload: { areas: [t.a] } }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/testing/rounds/:id/close',
      targets: `SELECT r.id AS a, NULL AS b, array_agg(ra.area_code ORDER BY ra.area_code) AS areas
                  FROM rounds r JOIN round_areas ra ON ra.round_id = r.id GROUP BY r.id`,
      request: (t) => ({
        url: `/api/testing/rounds/${t.a}/close`,
        payload: { reason: 'write scope property' },
      }),
      // A round wholly outside is not found; one reaching outside is refused by name of the jurisdiction.
      refused: (res) => {
        expect([403, 404], res.body).toContain(res.statusCode);
        expect(res.json().error.code).toBe(res.statusCode === 403 ? 'out_of_jurisdiction' : 'not_found');
      },
    },
    {
      route: 'POST /api/testing/rounds/:id/scans',
      // Points of open rounds: a round closed by the close probe refuses every scan, inside or out.
      targets: `SELECT sp.id AS a, sp.round_id AS b, ARRAY[sp.area_code] AS areas
                  FROM sampling_points sp JOIN rounds r ON r.id = sp.round_id WHERE r.status <> 'closed'`,
      request: (t, k) => ({
        url: `/api/testing/rounds/${t.b}/scans`,
        payload: {
          items: [
            {
              key: `ws-scan-${k}`,
              tube: `WS${String(k).padStart(6, '0')}`,
              person_id: sampled,
              point_id: t.a,
              scanned_at: at(),
            },
          ],
        },
      }),
      refused: itemRefused('point_out_of_scope'),
    },
    {
      route: 'POST /api/testing/rounds/:id/scans/file',
      // Points of open rounds: a round closed by the close probe refuses every scan, inside or out.
      targets: `SELECT sp.id AS a, sp.round_id AS b, ARRAY[sp.area_code] AS areas
                  FROM sampling_points sp JOIN rounds r ON r.id = sp.round_id WHERE r.status <> 'closed'`,
      request: (t, k) => ({
        url: `/api/testing/rounds/${t.b}/scans/file`,
        payload: csv(`key,tube,person_id,point_id,scanned_at\nfile-${k},WF${k},${sampled},${t.a},${at()}\n`),
      }),
      refused: (res) => {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({ accepted: 0, rejected: 1 });
      },
      auditsAttempts: true,
    },
    {
      route: 'POST /api/testing/tubes/close',
      targets: 'SELECT barcode AS a, NULL AS b, ARRAY[area_code] AS areas FROM tubes',
      request: (t) => ({ url: '/api/testing/tubes/close', payload: { tubes: [t.a] } }),
      refused: itemRefused('tube_unknown'),
    },
    {
      route: 'POST /api/testing/boxes',
      targets:
        "SELECT barcode AS a, round_id AS b, ARRAY[area_code] AS areas FROM tubes WHERE status = 'closed'",
      request: (t, k) => ({
        url: '/api/testing/boxes',
        payload: { round_id: t.b, box: `WX${k}`, tubes: [t.a] },
      }),
      refused: (res) => {
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.code).toBe('tube_unknown');
      },
    },
    {
      route: 'POST /api/testing/boxes/:box/ship',
      targets:
        "SELECT barcode AS a, NULL AS b, ARRAY[area_code] AS areas FROM boxes WHERE status = 'packing'",
      request: (t) => ({ url: `/api/testing/boxes/${t.a}/ship` }),
    },
    {
      route: 'POST /api/testing/boxes/:box/receive',
      targets:
        "SELECT barcode AS a, NULL AS b, ARRAY[area_code] AS areas FROM boxes WHERE status = 'in_transit'",
      request: (t) => ({ url: `/api/testing/boxes/${t.a}/receive`, payload: { lab_id: lab } }),
    },
    {
      route: 'POST /api/testing/results',
      targets: 'SELECT barcode AS a, NULL AS b, ARRAY[area_code] AS areas FROM tubes',
      request: (t) => ({
        url: '/api/testing/results',
        payload: { items: [{ tube: t.a, result: 'negative', tested_at: at() }] },
      }),
      refused: itemRefused('tube_unknown'),
      auditsAttempts: true,
    },
    {
      route: 'POST /api/testing/results/fhir',
      targets: 'SELECT barcode AS a, NULL AS b, ARRAY[area_code] AS areas FROM tubes',
      request: (t) => ({
        url: '/api/testing/results/fhir',
        payload: buildFhirResultsBundle([
          { tubeBarcode: String(t.a), result: 'negative', ct: {}, testedAt: at(), sourceRef: '' },
        ]),
      }),
      refused: (res) => {
        // A bundle is one unit: refused whole, naming the entry.
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json().error.details).toMatchObject([
          { path: 'Bundle.entry[0].resource', code: 'tube_unknown' },
        ]);
      },
      auditsAttempts: true,
    },
    {
      route: 'POST /api/testing/results/file',
      targets: 'SELECT barcode AS a, NULL AS b, ARRAY[area_code] AS areas FROM tubes',
      request: (t) => ({
        url: '/api/testing/results/file',
        payload: csv(`tube,result,tested_at\n${t.a},negative,${at()}\n`),
      }),
      refused: (res) => {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().outcomes[0]).toMatchObject({ status: 'rejected', code: 'tube_unknown' });
      },
      auditsAttempts: true,
    },
    // Passes: where their areas are; checkpoints: where they stand.
    {
      route: 'POST /api/passes',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/passes',
        payload: {
          kind: 'supply',
          holder_type: 'vehicle',
          holder_name: '司机',
          plate: `吉C${String(k % 100000).padStart(5, '0')}`,
          organisation: '保供',
          purpose: '配送',
          valid_from: clock.now().toISOString(),
          valid_to: new Date(clock.now().getTime() + 86400_000).toISOString(),
          areas: [t.a],
        },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/passes/:id/revoke',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM passes',
      request: (t) => ({ url: `/api/passes/${t.a}/revoke`, payload: { reason: 'write scope property' } }),
    },
    // Disinfection: where the place is.
    {
      route: 'POST /api/disinfection/places',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/disinfection/places',
        payload: { kind: 'market', name: `市场-${k}`, area_code: t.a, every_hours: 24, owner: '市场管理处' },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/disinfection/places/:id/active',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM disinfection_places',
      request: (t) => ({ url: `/api/disinfection/places/${t.a}/active`, payload: { active: false } }),
    },
    {
      route: 'POST /api/disinfection/records',
      targets: `SELECT d.id AS a, d.place_id AS b, ARRAY[p.area_code] AS areas
                  FROM disinfection_due d JOIN disinfection_places p ON p.id = d.place_id
                  JOIN tasks t ON t.kind = 'env_disinfection' AND t.subject_type = 'disinfection_due'
                   AND t.subject_id = d.id`,
      request: (t, k) => ({
        url: '/api/disinfection/records',
        payload: { key: `ws-disinfect-${k}`, place_id: t.b, due_id: t.a, done_at: at(), agent: 'chlorine' },
      }),
    },
    // Medical: hospitals where they stand; requests by their person.
    {
      route: 'POST /api/medical/hospitals',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/medical/hospitals',
        payload: { name: `医院-${k}`, area_code: t.a, code_colour: 'green' },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'PATCH /api/medical/hospitals/:id',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM hospitals',
      request: (t) => ({ url: `/api/medical/hospitals/${t.a}`, payload: { active: false } }),
    },
    {
      route: 'POST /api/medical/requests',
      targets: PERSONS,
      request: (t, k) => ({
        url: '/api/medical/requests',
        payload: {
          key: `ws-medical-${k}`,
          person_id: t.a,
          service: 'chronic_medicine',
          urgency: 'routine',
          contact_phone: '13800000000',
        },
      }),
    },
    // Forces: workers, teams, rosters and loops where their area is.
    {
      route: 'POST /api/forces/workers',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/forces/workers',
        payload: { key: `ws-worker-${k}`, name: '工作人员', role: 'volunteer', area_code: t.a },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/forces/workers/:id/status',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM workers',
      request: (t) => ({ url: `/api/forces/workers/${t.a}/status`, payload: { status: 'resting' } }),
    },
    {
      route: 'POST /api/forces/teams',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/forces/teams',
        payload: {
          name: `支援队-${k}`,
          origin_city: '四平',
          area_code: t.a,
          size: 5,
          arrives_on: '2022-03-13',
          leaves_on: '2022-03-20',
        },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/forces/rosters',
      targets: AREAS,
      request: (t) => ({ url: '/api/forces/rosters', payload: { area_code: t.a, day: '2022-03-15' } }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/forces/rosters/:id/confirm',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM rosters',
      request: (t) => ({ url: `/api/forces/rosters/${t.a}/confirm` }),
    },
    {
      route: 'POST /api/forces/rosters/:id/shifts',
      targets: `SELECT r.id AS a, w.id AS b, ARRAY[r.area_code, w.area_code] AS areas
                  FROM rosters r JOIN workers w ON w.area_code = r.area_code`,
      request: (t) => ({
        url: `/api/forces/rosters/${t.a}/shifts`,
        payload: { worker_id: t.b, area_code: t.areas[0], skill: 'sampler', shift: 'evening' },
      }),
    },
    {
      route: 'POST /api/forces/rosters/:id/shifts/:shift/remove',
      targets: `SELECT s.roster_id AS a, s.id AS b, ARRAY[r.area_code] AS areas
                  FROM roster_shifts s JOIN rosters r ON r.id = s.roster_id`,
      request: (t) => ({
        url: `/api/forces/rosters/${t.a}/shifts/${t.b}/remove`,
        payload: { reason: '调整' },
      }),
    },
    {
      route: 'POST /api/forces/loops',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/forces/loops',
        payload: { name: `闭环-${k}`, area_code: t.a, lodging: '酒店', post: '岗位', transport: '专车' },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/forces/loops/:id/workers',
      targets: `SELECT l.id AS a, w.id AS b, ARRAY[l.area_code, w.area_code] AS areas
                  FROM closed_loops l JOIN workers w ON starts_with(w.area_code, l.area_code)`,
      request: (t) => ({ url: `/api/forces/loops/${t.a}/workers`, payload: { worker_ids: [t.b] } }),
    },
    {
      route: 'POST /api/forces/tests',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM workers',
      request: (t, k) => ({
        url: '/api/forces/tests',
        payload: { key: `ws-test-${k}`, worker_id: t.a, taken_at: at(), result: 'negative' },
      }),
    },
    ...(['route', 'vehicle', 'at-hospital', 'treated', 'refuse'] as const).map(
      (step): Probe => ({
        route: `POST /api/medical/requests/:id/${step}`,
        targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM medical_requests',
        request: (t) => ({
          url: `/api/medical/requests/${t.a}/${step}`,
          payload: step === 'vehicle' ? { vehicle_id: 1 } : step === 'refuse' ? { reason: '床位已满' } : {},
        }),
      }),
    ),
    // Supplies: depots where they stand; requests by their person; deliveries by their compound.
    {
      route: 'POST /api/supplies/depots',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/supplies/depots',
        payload: { name: `保供仓-${k}`, area_code: t.a, stock: { groceries: 5 } },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/supplies/depots/:id/receipts',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM supply_depots',
      request: (t, k) => ({
        url: `/api/supplies/depots/${t.a}/receipts`,
        payload: { key: `ws-receipt-${k}`, items: [{ category: 'groceries', quantity: 10 }] },
      }),
    },
    {
      route: 'POST /api/supplies/requests',
      targets: PERSONS,
      request: (t, k) => ({
        url: '/api/supplies/requests',
        payload: { key: `ws-supply-${k}`, person_id: t.a, items: [{ category: 'groceries', quantity: 1 }] },
      }),
    },
    {
      route: 'POST /api/supplies/requests/:id/handed',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM supply_requests',
      request: (t) => ({
        url: `/api/supplies/requests/${t.a}/handed`,
        payload: { worker: '志愿者', worker_kind: 'volunteer' },
      }),
    },
    {
      route: 'POST /api/supplies/deliveries',
      targets: `SELECT a.code AS a, d.id AS b, ARRAY[a.code] AS areas FROM areas a
                  JOIN supply_depots d ON d.area_code = left(a.code, 6) AND d.name LIKE 'WS %'
                 WHERE a.level >= 5 AND starts_with(a.code, '2202') AND (a.level < 6 OR right(a.code, 1) = '1')`,
      request: (t, k) => ({
        url: '/api/supplies/deliveries',
        payload: { key: `ws-delivery-${k}`, depot_id: t.b, area_code: t.a },
      }),
      refused: outOfJurisdiction,
    },
    ...(['dispatched', 'at-gate'] as const).map(
      (step): Probe => ({
        route: `POST /api/supplies/deliveries/:id/${step}`,
        targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM supply_deliveries',
        request: (t) => ({ url: `/api/supplies/deliveries/${t.a}/${step}`, payload: {} }),
      }),
    ),
    {
      route: 'POST /api/checkpoints',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/checkpoints',
        payload: { name: `卡口-${k}`, area_code: t.a, latitude: 43.8, longitude: 126.5 },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/checkpoints/:id/scans',
      targets: 'SELECT id AS a, NULL AS b, ARRAY[area_code] AS areas FROM checkpoints',
      request: (t, k) => ({
        url: `/api/checkpoints/${t.a}/scans`,
        payload: { key: `ws-check-${k}`, token: passToken, checked_at: at() },
      }),
    },
    // Accounts: where their jurisdiction is.
    {
      route: 'POST /api/users',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/users',
        payload: { username: `made-${k}`, display_name: 'x', role: 'viewer', jurisdiction: t.a },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/users/:id/disable',
      targets:
        "SELECT id AS a, NULL AS b, ARRAY[jurisdiction] AS areas FROM users WHERE username LIKE 'target-%'",
      request: (t) => ({ url: `/api/users/${t.a}/disable`, payload: { reason: 'write scope property' } }),
    },
    {
      route: 'POST /api/tokens',
      targets: AREAS,
      request: (t, k) => ({
        url: '/api/tokens',
        payload: { name: `made-${k}`, role: 'viewer', jurisdiction: t.a, days: 1 },
      }),
      refused: outOfJurisdiction,
    },
    {
      route: 'POST /api/tokens/:id/revoke',
      targets:
        "SELECT id AS a, NULL AS b, ARRAY[jurisdiction] AS areas FROM api_tokens WHERE name LIKE 't-%'",
      request: (t) => ({ url: `/api/tokens/${t.a}/revoke` }),
    },
  ];

  // Regressions of the findings that brought this file (security review).

  it('scopes a stay by its person or its site, reads and writes alike (health and links went by site, the list by person)', async () => {
    const { rows } = await ctx.db.query<{ id: number; person_area: string; site_area: string }>(
      `SELECT pl.id, p.area_code AS person_area, s.area_code AS site_area
         FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id
        WHERE pl.status = 'arrived' AND left(p.area_code, 6) <> left(s.area_code, 6) ORDER BY pl.id LIMIT 1`,
    );
    const stay = rows[0] as { id: number; person_area: string; site_area: string };
    expect(stay).toBeDefined();
    const owners = [stay.person_area.slice(0, 6), stay.site_area.slice(0, 6)];
    const third = jurisdictions.find((j) => j.length === 6 && !owners.includes(j)) as string;
    for (const [district, owns] of [
      [owners[0], true],
      [owners[1], true],
      [third, false],
    ] as const) {
      const s = await loginAs(app, ctx.db, 'commander', district as string);
      const list = await app.inject({
        method: 'GET',
        url: '/api/isolation/stays?limit=1000',
        headers: s.headers,
      });
      expect(
        list.json().items.some((x: { id: number }) => x.id === stay.id),
        `listed for ${district}`,
      ).toBe(owns);
      const before = await fingerprint();
      const audit = await lastAudit();
      const health = await send(s, 'POST', `/api/isolation/stays/${stay.id}/health`, {
        at: at(),
        temperature: 38.2,
      });
      const link = await send(s, 'POST', `/api/isolation/stays/${stay.id}/self-report-link`);
      if (owns) {
        expect(health.statusCode, `health by ${district}: ${health.body}`).toBe(200);
        expect(link.statusCode, `link by ${district}: ${link.body}`).toBe(200);
        continue;
      }
      expect(health.statusCode).toBe(404);
      expect(link.statusCode).toBe(404);
      for (const step of ['arrive', 'release', 'move', 'discharge'])
        expect(
          (
            await send(s, 'POST', `/api/isolation/stays/${stay.id}/${step}`, {
              reason: 'not mine',
              tests: [{ at: at(), ct: 36 }],
            })
          ).statusCode,
          step,
        ).toBe(404);
      expect((await send(s, 'DELETE', `/api/isolation/stays/${stay.id}/self-report-link`)).statusCode).toBe(
        404,
      );
      expect(await fingerprint()).toEqual(before);
      expect(await lastAudit()).toBe(audit);
    }
  });

  it('refuses exposures naming people outside the jurisdiction, all or nothing (anyone in the city could be raised)', async () => {
    const c = (
      await ctx.db.query<{ id: number; person_id: number; area_code: string }>(
        'SELECT id, person_id, area_code FROM cases ORDER BY id LIMIT 1',
      )
    ).rows[0] as { id: number; person_id: number; area_code: string };
    const street = c.area_code.slice(0, 9);
    const person = async (where: string) =>
      (
        await ctx.db.query<{ id: number }>(
          `SELECT id FROM persons WHERE ${where} AND NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = persons.id) AND id <> $1 ORDER BY id LIMIT 1`,
          [c.person_id],
        )
      ).rows[0]?.id as number;
    const outsider = await person(`NOT starts_with(area_code, '${c.area_code.slice(0, 6)}')`);
    const neighbour = await person(`starts_with(area_code, '${street}')`);
    const s = await loginAs(app, ctx.db, 'commander', street);
    const record = (...ids: number[]) =>
      send(s, 'POST', `/api/tracing/cases/${c.id}/exposures`, {
        items: ids.map((id) => ({ person_id: id, kind: 'workplace', starts_at: at(), ends_at: at() })),
      });
    const before = await fingerprint();
    const audit = await lastAudit();
    const outside = await record(outsider);
    expect(outside.statusCode, outside.body).toBe(404);
    // The same answer as for nobody at all: it does not say who exists elsewhere.
    const nobody = await record(999_999_999);
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().error.code).toBe(outside.json().error.code);
    expect(nobody.json().error.message.replace('999999999', 'X')).toBe(
      outside.json().error.message.replace(String(outsider), 'X'),
    );
    expect((await record(neighbour, outsider)).statusCode).toBe(404); // all or nothing
    expect(await fingerprint()).toEqual(before); // no exposure, no link, no raised status
    expect(await lastAudit()).toBe(audit);
    const status = await ctx.db.query<{ risk_status: string }>(
      `SELECT coalesce((SELECT r.risk_status FROM person_risk r WHERE r.person_id = $1), 'none') AS risk_status`,
      [outsider],
    );
    expect(status.rows[0]?.risk_status).toBe('none');
    expect((await record(neighbour)).statusCode).toBe(200); // inside: recorded
  });

  it('rejects feed rows of people of another district exactly like unknown people (a district token wrote anyone)', async () => {
    const district = jurisdictions.find((j) => j.length === 6) as string;
    const { token } = await createToken(ctx.db, clock, {
      name: 'district feed',
      role: 'tracer',
      jurisdiction: district,
      days: 1,
      createdBy: null,
    });
    const headers = { authorization: `Bearer ${token}` };
    const pick = async (inside: boolean) =>
      (
        await ctx.db.query<{ id: number }>(
          `SELECT id FROM persons WHERE starts_with(area_code, $1) = $2 ORDER BY id DESC LIMIT 1`,
          [district, inside],
        )
      ).rows[0]?.id as number;
    const [insider, outsider] = [await pick(true), await pick(false)];
    const before = await ctx.db.query<{ c: number; o: number }>(
      'SELECT (SELECT count(*) FROM checkins) AS c, (SELECT count(*) FROM colocations) AS o',
    );
    const post = (url: string, item: (id: number) => object) =>
      app.inject({
        method: 'POST',
        url,
        headers,
        payload: { items: [insider, outsider, 999_999_999].map(item) },
      });
    const checkins = await post('/api/tracing/checkins', (id) => ({
      person_id: id,
      venue_code: venue,
      at: at(),
    }));
    const colocations = await post('/api/tracing/colocations', (id) => ({
      person_id: id,
      cell_id: 'C-feed',
      starts_at: at(),
      ends_at: clock.now().toISOString(),
    }));
    for (const res of [checkins, colocations]) {
      expect(res.statusCode, res.body).toBe(200);
      const [mine, theirs, nobody] = res.json().items;
      expect(mine.status).toBe('accepted');
      expect(theirs).toEqual({
        ...nobody,
        index: 1,
        message: nobody.message.replace('999999999', String(outsider)),
      });
      expect(theirs.code).toBe('person_unknown');
    }
    const after = await ctx.db.query<{ c: number; o: number }>(
      'SELECT (SELECT count(*) FROM checkins) AS c, (SELECT count(*) FROM colocations) AS o',
    );
    expect(after.rows[0]).toEqual({ c: (before.rows[0]?.c ?? 0) + 1, o: (before.rows[0]?.o ?? 0) + 1 });
  });

  it('classifies every write route, and tries every one that names a person, a stay or a place', () => {
    const writes = routes
      .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !r.config.public)
      .map((r) => `${r.method} ${r.url}`);
    for (const key of writes) expect(WRITES[key], `${key} is not classified`).toBeDefined();
    expect(Object.keys(WRITES).sort()).toEqual([...writes].sort());
    const probed = new Set(PROBES.map((p) => p.route));
    for (const [key, kind] of Object.entries(WRITES))
      if (kind === 'person' || kind === 'stay' || kind === 'place')
        expect(probed.has(key), `${key} is not tried`).toBe(true);
  });

  it("never changes anything outside the caller's jurisdiction (property, every targeted write)", {
    timeout: 600_000, // about 35 s alone; several times that beside other suites on two cores
  }, async () => {
    const permissionOf = new Map(
      routes.map((r) => [`${r.method} ${r.url}`, r.config.permission as Permission]),
    );
    await fc.assert(
      fc.asyncProperty(
        // Every role, the roles that write most more often.
        fc.oneof(
          { arbitrary: fc.constantFrom(...ROLES), weight: 1 },
          { arbitrary: fc.constantFrom(...WRITERS), weight: 2 },
        ),
        fc.constantFrom(...jurisdictions),
        fc.array(fc.nat(), { minLength: PROBES.length, maxLength: PROBES.length }),
        async (role: Role, jurisdiction, picks) => {
          const s = await loginAs(app, ctx.db, role, jurisdiction);
          let before = await fingerprint();
          for (const [i, probe] of PROBES.entries()) {
            const { rows } = await ctx.db.query<Target>(probe.targets);
            expect(rows.length, probe.route).toBeGreaterThan(0);
            // Half the time a target inside the jurisdiction (when there is one), half the time one outside.
            const isInside = (t: Target) =>
              probe.anyArea
                ? t.areas.some((a) => a.startsWith(jurisdiction))
                : t.areas.every((a) => a.startsWith(jurisdiction));
            const pick = picks[i] as number;
            const near = rows.filter(isInside);
            const far = rows.filter((t) => !isInside(t));
            const pool = (pick % 2 === 0 && near.length > 0) || far.length === 0 ? near : far;
            const t = pool[Math.floor(pick / 2) % pool.length] as Target;
            const inside = isInside(t);
            const allowed = ROLE_PERMISSIONS[role].includes(permissionOf.get(probe.route) as Permission);
            const audit = await lastAudit();
            const { url, payload } = probe.request(t, ++n);
            const res = await send(s, probe.route, url, payload);
            const what = `${role}@${jurisdiction} ${probe.route} ${url} (${t.areas.join(' ')})`;
            expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(500);
            if (allowed && inside) {
              // Inside, the jurisdiction never refuses (the target's state may: 409 and the like).
              expect([403, 404], `${what}: ${res.body}`).not.toContain(res.statusCode);
              before = await fingerprint();
              continue;
            }
            if (!allowed) {
              expect(res.statusCode, what).toBe(403);
              expect(res.json().error.code, what).toBe('forbidden');
            } else if (probe.refused) probe.refused(res);
            else expect(res.statusCode, `${what}: ${res.body}`).toBe(404);
            // Nothing written, nothing audited that names the target.
            expect(await fingerprint(), what).toEqual(before);
            const audited = await ctx.db.query<{ subject_id: string | null; details: unknown }>(
              'SELECT subject_id, details FROM audit_log WHERE id > $1',
              [audit],
            );
            if (!probe.auditsAttempts || !allowed) expect(audited.rows, what).toEqual([]);
            for (const a of audited.rows) {
              // An upload's attempt names the round it was sent to (t.b), whose id may equal the refused
              // point's (t.a) by chance: only counts are recorded for it, no point.
              if (probe.auditsAttempts && a.subject_id === String(t.b)) {
                expect(JSON.stringify(a.details), what).not.toContain('point');
                continue;
              }
              expect(a.subject_id, what).not.toBe(String(t.a));
              expect(JSON.stringify(a.details), what).not.toContain(String(t.a));
            }
          }
        },
      ),
      { numRuns: 20, endOnFailure: true }, // no shrinking: a failure names its route, role and target
    );
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });
});
