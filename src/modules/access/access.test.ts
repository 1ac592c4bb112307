/**
 * Access control over HTTP: authentication, CSRF, tokens, lockout, and the scoping property — users of random
 * roles and jurisdictions walk every read endpoint and nothing outside their jurisdiction ever comes back.
 */

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, TEST_PASSWORD } from '../../server/test-auth.ts';
import { ensureSchedule } from '../forces/loops.ts';
import { placeBacklog } from '../isolation/place-backlog.ts';
import { createRequest } from '../medical/requests.ts';
import { issuePass } from '../passes/issue.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createRound } from '../testing/rounds.ts';
import { createCase, traceCase } from '../tracing/trace-case.ts';
import { planPendingTrips } from '../transfer/trips.ts';
import { createToken, createUser } from './accounts.ts';
import { verifyAudit } from './audit.ts';
import { ROLE_PERMISSIONS, ROLES, type Role } from './roles.ts';
import { UNSCOPED } from './scope.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');

/** Routes that must be reachable without logging in. Everything else must refuse an anonymous caller. */
const PUBLIC_ROUTES = new Set([
  'GET /api/health',
  'GET /metrics', // Prometheus: its own bearer token (QINGCANG_METRICS_TOKEN), 404 when unset (metrics.test.ts)
  'POST /api/auth/login',
  'GET /api/self-report/:secret', // a person's own stay through the personal link (the secret is the key)
  'POST /api/self-report/:secret',
  'GET /',
  'HEAD /',
  'GET /*', // the web app's files and its single-page fallback (src/server/static.ts)
  'HEAD /*',
]);

/** Read endpoints the scoping property walks; a new GET route must be added here (or to NOT_PERSONAL). */
const SCOPED_READS = new Set([
  'GET /api/persons',
  'GET /api/persons/:id',
  'GET /api/persons/export',
  'POST /api/persons/:id/unmask',
  'GET /api/stats',
  'GET /api/areas',
  'GET /api/audit',
  'GET /api/audit/export',
  'GET /api/users',
  'GET /api/tokens',
  'GET /api/testing/rounds/:id/unsampled',
  'GET /api/testing/rounds/:id/unsampled/export',
  'GET /api/tasks',
  'GET /api/tasks/export',
  'GET /api/testing/rounds/:id/coverage',
  'GET /api/tracing/cases',
  'GET /api/tracing/cases/export',
  'GET /api/tracing/cases/:id/contacts',
  'GET /api/tracing/chains',
  'GET /api/tracing/general-contacts',
  'GET /api/tracing/general-contacts/export',
  'GET /api/isolation/stays',
  'GET /api/isolation/stays/export',
  'GET /api/persons/names',
  'GET /api/isolation/home',
  'GET /api/isolation/home/export',
  'GET /api/transfer/trips',
  'GET /api/transfer/trips/export',
  'GET /api/transfer/clocks',
  'GET /api/transfer/late/export', // the late list whole: people by name for those who may read people
  'GET /api/responsibility',
  'GET /api/responsibility/export',
  'GET /api/dashboard/kpis',
  'GET /api/dashboard/areas',
  'GET /api/dashboard/series',
  'GET /api/dashboard/funnel',
  'GET /api/passes', // holders' names and masked ID numbers
  'GET /api/passes/:id',
  'GET /api/passes/suspects',
  'GET /api/medical/requests', // patients' names, masked ID numbers and phones
  'GET /api/medical/requests/:id',
  'GET /api/medical/emergencies',
  'GET /api/medical/refusals',
  'GET /api/medical/requests/export', // the requests list whole, masked as listed
  'GET /api/medical/refusals/export', // patients by name for those who may read people
  'GET /api/supplies/requests/export', // the requests list whole, names masked as listed
  'GET /api/supplies/deliveries/export', // deliveries to compounds of the jurisdiction
  'GET /api/supplies/requests', // households' requests with masked names
  'GET /api/supplies/requests/:id',
  'GET /api/forces/workers', // workers' names, filtered to the jurisdiction
  'GET /api/forces/board', // rosters with their workers' names
  'GET /api/forces/loops', // closed loops with their workers' names and tests
]);
/** Reads that return no records of people: the caller's own account, public area names, a chain check. */
const NOT_PERSONAL = new Set([
  'GET /api/auth/me',
  'GET /api/areas/:code',
  'GET /api/areas/names', // names of area codes, like /api/areas/:code
  'GET /api/areas/search', // areas by name (public hierarchy), under the jurisdiction
  'GET /api/audit/verify',
  'GET /api/audit/head',
  'GET /api/system/jobs', // queues and dead letters of background jobs: no people
  'GET /api/testing/rounds', // names, times and area codes of rounds
  'GET /api/testing/rounds/export', // the same, whole, in words
  'GET /api/testing/rounds/:id/points', // sampling points (places), filtered to the jurisdiction
  'GET /api/testing/labs', // labs (places) with counts of tubes of the jurisdiction: no people
  'GET /api/testing/boxes', // box barcodes, rounds and counts, filtered to the jurisdiction (testing.test.ts)
  'GET /api/testing/tubes/pending', // tube barcodes and times, no people, same scoping
  'GET /api/isolation/board', // counts, sites and rooms: no people
  'GET /api/isolation/board/stuck/export', // rooms and beds stuck in disinfection: no people
  'GET /api/isolation/sites', // sites with counts: no people, filtered to the jurisdiction (sites.test.ts)
  'GET /api/reports/daily', // aggregates of the jurisdiction (checked in the daily-report test)
  'GET /api/reports/daily/issued', // dates and area names of issued reports (issued-reports test)
  'GET /api/isolation/auto-placement', // a switch and counts (placement-runs test)
  'GET /api/isolation/placement-runs', // counts per run, staff names (placement-runs test)
  'GET /api/zones', // zones are public notices
  'GET /api/zones/effective',
  'GET /api/zones/suggestions', // community codes and case counts, no people
  'GET /api/leaders', // officials and their patches (public), filtered to the jurisdiction
  'GET /api/isolation/stock', // counts by category and site kind
  'GET /api/isolation/forecast', // counts
  'GET /api/tracing/rules', // the contact rules in force
  'GET /api/twin/options', // scenarios and strategies
  'GET /api/twin/runs', // simulated runs: generated cities, no people
  'GET /api/twin/runs/:id',
  'GET /api/passes/keys', // public keys
  'GET /api/passes/revocations', // ids and times of revoked passes
  'GET /api/checkpoints', // checkpoints (places), filtered to the jurisdiction
  'GET /api/medical/hospitals', // hospitals (places) with their colour and capacity: public information
  'GET /api/medical/vehicles', // the fleet and what each vehicle does: no people
  'GET /api/transfer/vehicles', // plates and open-trip counts, filtered to the jurisdiction: no people
  'GET /api/disinfection/places', // places to disinfect, filtered to the jurisdiction (disinfection.test.ts)
  'GET /api/disinfection/due', // disinfections of places and who did them (staff), same scoping
  'GET /api/supplies/depots', // depots (places) and their stock, those serving the jurisdiction
  'GET /api/supplies/deliveries', // deliveries to compounds (places) and staff names, filtered to the jurisdiction
  'GET /api/supplies/plan', // request ids, compounds and packs, filtered to the jurisdiction: no people
  'GET /api/supplies/summary', // counts of the jurisdiction (supplies.test.ts)
  'GET /api/forces/teams', // support teams (organisations) and counts, filtered to the jurisdiction
  'GET /api/forces/demand', // counts of people needed per area and shift: no people
  'GET /api/forces/figures', // counts of the jurisdiction (forces.test.ts)
]);

/** The data lines of a list's CSV export (answered 200), without the byte-order mark and the header. */
async function exportedRows(
  get: (url: string) => Promise<{ statusCode: number; body: string }>,
  path: string,
): Promise<string[]> {
  const res = await get(`${path}?format=csv`);
  expect(res.statusCode, path).toBe(200);
  return res.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .slice(1);
}

describeBackends('access control', (ctx) => {
  let app: FastifyInstance;
  const routes: { method: string; url: string; config: Record<string, unknown> }[] = [];
  let jurisdictions: string[] = [];
  let personIds: number[] = [];

  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 3000, seed: 11, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    await app.ready();
    routes.push(...app.routeTable.filter((r) => !r.url.startsWith('/api/docs') && r.method !== 'HEAD'));
    // Jurisdictions of every depth: the city, districts, streets, communities and grids that have people.
    const { rows } = await ctx.db.query<{ area_code: string }>(
      'SELECT DISTINCT area_code FROM persons ORDER BY area_code LIMIT 40',
    );
    const grids = rows.map((r) => r.area_code);
    jurisdictions = [
      ...new Set(['2202', ...grids.flatMap((g) => [g.slice(0, 6), g.slice(0, 9), g.slice(0, 12), g])]),
    ];
    const ids = await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id');
    personIds = ids.rows.map((r) => r.id);
    // Cases in several districts, traced (their contacts live all over).
    const spread = await ctx.db.query<{ id: number }>(
      'SELECT DISTINCT ON (left(area_code, 6)) id FROM persons ORDER BY left(area_code, 6), id LIMIT 5',
    );
    for (const p of spread.rows) {
      await ctx.db.transaction(async (tx) => {
        const c = await createCase(tx, clock, { personId: p.id, firstPositiveAt: clock.now() });
        // A shared workplace with people all over the city: general contacts of every district.
        await tx.query(
          `INSERT INTO manual_exposures (case_id, person_id, kind, level, starts_at, ends_at, recorded_by, recorded_at)
           SELECT $1, id, 'workplace', 'general', $2, $2, 'test', $2 FROM persons WHERE id % 101 = $3 AND id <> $4`,
          [c.case.id, clock.now(), c.case.id % 101, p.id],
        );
        await traceCase(tx, clock, c.case.id);
      });
    }
    // Their cases and contacts placed in rooms and beds.
    await ctx.db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    await ctx.db.transaction((tx) => planPendingTrips(tx, clock, UNSCOPED));
    // Requests for care (就医) of people in quarantine all over the city.
    const placed = await ctx.db.query<{ person_id: number }>(
      `SELECT person_id FROM placements WHERE status IN ('placed', 'arrived') ORDER BY person_id % 13, person_id LIMIT 12`,
    );
    for (const [i, r] of placed.rows.entries())
      await ctx.db.transaction((tx) =>
        createRequest(
          tx,
          clock,
          {
            key: `access-med-${i}`,
            personId: r.person_id,
            service: 'chronic_medicine',
            urgency: i % 3 === 0 ? 'emergency' : 'routine',
            contactPhone: '13800001234',
            note: '',
          },
          't',
          UNSCOPED,
        ),
      );
    // Supplies requests (保供) of households all over the city.
    await ctx.db.query(
      `INSERT INTO supply_requests (idempotency_key, requester, person_id, household_id, area_code, zone_level, deliver_to,
                                    urgency, requested_by, requested_at, due_at)
       SELECT 'access-supply-' || id, 'household', id, household_id, area_code, 'lockdown', 'door', 'normal', 't', $1, $1
         FROM persons WHERE id % 17 = 0`,
      [clock.now()],
    );
    // Workers (力量调配) all over the city, each on a shift of a roster of their area and in a loop of it.
    await ctx.db.query(
      `INSERT INTO workers (idempotency_key, name, role, skills, area_code, status_at, created_by, created_at)
       SELECT 'access-worker-' || id, '工作人员' || id, 'sampler', ARRAY['sampler'], area_code, $1, 't', $1
         FROM persons WHERE id % 19 = 0`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO rosters (area_code, day, rules, demand, proposed_by, proposed_at)
       SELECT DISTINCT area_code, '2022-03-14'::date, '{}'::jsonb, '[]'::jsonb, 't', $1::timestamptz FROM workers`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO roster_shifts (roster_id, worker_id, area_code, skill, starts_at, ends_at)
       SELECT r.id, w.id, w.area_code, 'sampler', $1, $1::timestamptz + interval '8 hours'
         FROM workers w JOIN rosters r ON r.area_code = w.area_code`,
      [clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO closed_loops (name, area_code, lodging, post, transport, created_by, created_at)
       SELECT DISTINCT 'loop ' || area_code, area_code, '酒店', '岗位', '专车', 't', $1::timestamptz FROM workers`,
      [clock.now()],
    );
    await ctx.db.query(
      `UPDATE workers w SET loop_id = l.id, loop_joined_at = $1 FROM closed_loops l WHERE l.area_code = w.area_code`,
      [new Date(clock.now().getTime() - 86_400_000)],
    );
    await ensureSchedule(ctx.db, clock.now());
    // A round over the whole city, and follow-up tasks all over it.
    await ctx.db.transaction((tx) =>
      createRound(tx, clock, { name: 'r', areas: ['2202'], createdBy: 't' }, ''),
    );
    await ctx.db.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at)
       SELECT 'retest_single_tube', id, area_code, 'person', id, $1, $1 FROM persons WHERE id % 7 = 0`,
      [clock.now()],
    );
    // Passes (通行证) for areas at every depth, their holders people: one city-wide.
    for (const [i, areas] of [...jurisdictions.map((j) => [j]), jurisdictions.slice(0, 3)].entries())
      await ctx.db.transaction((tx) =>
        issuePass(
          tx,
          clock,
          {
            kind: 'medical',
            holderType: 'vehicle',
            holderName: `司机${i}`,
            plate: `吉B${String(20000 + i)}`,
            organisation: '医院',
            purpose: '急救',
            validFrom: clock.now(),
            validTo: new Date(clock.now().getTime() + 86400_000),
            areas,
            route: false,
          },
          't',
          '',
        ),
      );
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses every non-public route to an anonymous caller', async () => {
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      // Every route declares who may call it: public, a permission, or (account routes) any logged-in user.
      expect(PUBLIC_ROUTES.has(key) === Boolean(r.config.public), key).toBe(true);
      expect(Boolean(r.config.public || r.config.permission || r.config.duringPasswordChange), key).toBe(
        true,
      );
    }
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      if (PUBLIC_ROUTES.has(key) || r.url.startsWith('/api/docs') || r.method === 'OPTIONS') continue;
      const url = r.url.replace(':id', '1').replace(':code', '2202');
      const res = await app.inject({ method: r.method as 'GET', url });
      expect(res.statusCode, key).toBe(401);
      expect(res.json().error.code, key).toMatch(/unauthenticated/);
    }
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  it('walks every read endpoint in the scoping property', () => {
    const reads = routes
      .filter((r) => r.method === 'GET' && !r.config.public)
      .map((r) => `${r.method} ${r.url}`);
    for (const key of reads)
      expect(SCOPED_READS.has(key) || NOT_PERSONAL.has(key), `${key} is not covered`).toBe(true);
  });

  it("never returns anything outside the caller's jurisdiction (property, every read endpoint)", async () => {
    const readers = ROLES.filter((r) => ROLE_PERMISSIONS[r].includes('person.read'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROLES),
        fc.constantFrom(...jurisdictions),
        fc.constantFrom(...jurisdictions, '22', '220202'),
        fc.array(fc.constantFrom(...personIds), { minLength: 3, maxLength: 6 }),
        async (role: Role, jurisdiction, askedArea, ids) => {
          const s = await loginAs(app, ctx.db, role, jurisdiction);
          const get = (url: string) => app.inject({ method: 'GET', url, headers: s.headers });
          const inside = (code: string) => code.startsWith(jurisdiction);
          const mayRead = readers.includes(role);

          // Lists.
          for (const url of [
            '/api/persons?limit=500',
            `/api/persons?limit=500&area=${askedArea}`,
            `/api/persons?limit=500&q=${encodeURIComponent("王' OR 1=1 --")}`,
          ]) {
            const res = await get(url);
            if (!mayRead) {
              expect(res.statusCode, url).toBe(403);
              continue;
            }
            // An area outside the jurisdiction (neither inside it nor above it) is refused in words, not answered
            // with an empty list that reads as "nobody there".
            const asked = url.includes('&area=');
            if (asked && !askedArea.startsWith(jurisdiction) && !jurisdiction.startsWith(askedArea)) {
              expect(res.statusCode, url).toBe(403);
              expect(res.json().error.code).toBe('out_of_jurisdiction');
              continue;
            }
            expect(res.statusCode, url).toBe(200);
            for (const p of res.json().items)
              expect(inside(p.area_code), `${role}@${jurisdiction} ${url} → ${p.area_code}`).toBe(true);
          }
          // The list as a file: every person of the jurisdiction, masked (never a whole ID number).
          if (mayRead) {
            const lines = await exportedRows(get, '/api/persons/export');
            const truth = await ctx.db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM persons WHERE starts_with(area_code, $1) AND purged_at IS NULL',
              [jurisdiction],
            );
            expect(lines).toHaveLength(truth.rows[0]?.n ?? -1);
            for (const line of lines) expect(line).not.toMatch(/\b\d{17}[\dX]\b/);
          } else expect((await get('/api/persons/export?format=csv')).statusCode).toBe(403);
          // Single reads and unmasking: 200 only inside, 404 outside.
          for (const id of ids) {
            const { rows } = await ctx.db.query<{ area_code: string }>(
              'SELECT area_code FROM persons WHERE id = $1',
              [id],
            );
            const isInside = inside((rows[0] as { area_code: string }).area_code);
            const one = await get(`/api/persons/${id}`);
            if (!mayRead) expect(one.statusCode).toBe(403);
            else {
              expect(one.statusCode).toBe(isInside ? 200 : 404);
              if (isInside) for (const m of one.json().household) expect(inside(m.area_code)).toBe(true);
            }
            const un = await app.inject({
              method: 'POST',
              url: `/api/persons/${id}/unmask`,
              headers: s.headers,
              payload: { reason: 'property test: checking scope' },
            });
            if (!ROLE_PERMISSIONS[role].includes('person.unmask')) expect(un.statusCode).toBe(403);
            else expect(un.statusCode).toBe(isInside ? 200 : 404);
          }
          // Names by id: only the jurisdiction's people; others are left out, as if unknown.
          const names = await get(`/api/persons/names?ids=${ids.join(',')}`);
          if (!mayRead) expect(names.statusCode).toBe(403);
          else {
            expect(names.statusCode).toBe(200);
            const expected = await ctx.db.query<{ id: number }>(
              'SELECT id FROM persons WHERE id = ANY($1::int8[]) AND starts_with(area_code, $2) ORDER BY id',
              [ids, jurisdiction],
            );
            expect(
              names
                .json()
                .items.map((x: { id: number }) => x.id)
                .sort((a: number, b: number) => a - b),
            ).toEqual(expected.rows.map((r) => Number(r.id)));
          }
          // The door-knocking list and the follow-up tasks name people: only the jurisdiction's.
          const list = await get(`/api/testing/rounds/1/unsampled?limit=2000&area=${askedArea}`);
          if (!mayRead) expect(list.statusCode).toBe(403);
          else {
            expect(list.statusCode).toBe(200);
            for (const h of list.json().items)
              for (const m of h.members) expect(inside(m.area_code)).toBe(true);
            // Its export: every resident of the list, or a refusal for an area outside the jurisdiction.
            const exported = await get(`/api/testing/rounds/1/unsampled/export?format=csv&area=${askedArea}`);
            if (askedArea.startsWith(jurisdiction) || jurisdiction.startsWith(askedArea)) {
              expect(exported.statusCode).toBe(200);
              const lines = exported.body
                .replace(/^\uFEFF/, '')
                .trim()
                .split('\r\n')
                .slice(1);
              expect(lines).toHaveLength(
                list.json().items.reduce((n: number, h: { members: unknown[] }) => n + h.members.length, 0),
              );
            } else expect(exported.statusCode).toBe(403);
          }
          const tasks = await get('/api/tasks?limit=1000');
          if (ROLE_PERMISSIONS[role].includes('task.read')) {
            expect(tasks.statusCode).toBe(200);
            for (const t of tasks.json().items) expect(inside(t.area_code)).toBe(true);
            expect(await exportedRows(get, '/api/tasks/export')).toHaveLength(tasks.json().total);
          } else expect(tasks.statusCode).toBe(403);
          const cov = await get('/api/testing/rounds/1/coverage?area=2202');
          if (ROLE_PERMISSIONS[role].includes('testing.read')) {
            expect(cov.statusCode).toBe(200);
            for (const a of cov.json().items) {
              expect(a.code.startsWith(jurisdiction) || jurisdiction.startsWith(a.code)).toBe(true);
              const truth = await ctx.db.query<{ n: number }>(
                'SELECT count(*) AS n FROM persons WHERE starts_with(area_code, $1) AND starts_with(area_code, $2)',
                [a.code, jurisdiction],
              );
              expect(a.residents).toBe(truth.rows[0]?.n);
            }
          } else expect(cov.statusCode).toBe(403);
          // Stays: only those of the jurisdiction's people or at its sites (isolation/stay-scope.ts).
          const stays = await get('/api/isolation/stays?limit=1000');
          if (ROLE_PERMISSIONS[role].includes('isolation.manage')) {
            expect(stays.statusCode).toBe(200);
            for (const x of stays.json().items) expect(inside(x.area_code) || inside(x.site_area)).toBe(true);
            expect(await exportedRows(get, '/api/isolation/stays/export')).toHaveLength(
              stays.json().items.length,
            );
          } else expect(stays.statusCode).toBe(403);
          // People at home: only those of the jurisdiction.
          const home = await get('/api/isolation/home?limit=1000');
          if (ROLE_PERMISSIONS[role].includes('isolation.manage')) {
            expect(home.statusCode).toBe(200);
            for (const x of home.json().items) expect(inside(x.area_code)).toBe(true);
            expect(home.json().total).toBe(home.json().items.length);
            expect(await exportedRows(get, '/api/isolation/home/export')).toHaveLength(
              home.json().items.length,
            );
          } else expect(home.statusCode).toBe(403);
          // Today's task list: only items of the jurisdiction.
          const resp = await get('/api/responsibility');
          if (ROLE_PERMISSIONS[role].includes('task.read')) {
            expect(resp.statusCode).toBe(200);
            for (const x of resp.json().items) expect(inside(x.area_code)).toBe(true);
            // Its export: the same items, all of them (the list's total).
            expect(await exportedRows(get, '/api/responsibility/export')).toHaveLength(resp.json().total);
          } else expect(resp.statusCode).toBe(403);
          // The case export: exactly the jurisdiction's cases, every one of them, newest first.
          if (ROLE_PERMISSIONS[role].includes('tracing.read')) {
            const numbers = (await exportedRows(get, '/api/tracing/cases/export')).map(
              (line) => line.split(',')[0],
            );
            const truth = await ctx.db.query<{ case_no: string }>(
              'SELECT case_no FROM cases WHERE starts_with(area_code, $1) ORDER BY id DESC',
              [jurisdiction],
            );
            expect(numbers).toEqual(truth.rows.map((r) => r.case_no));
          } else expect((await get('/api/tracing/cases/export?format=csv')).statusCode).toBe(403);
          // Trips and the transfer late list: only pickups and people of the jurisdiction.
          const trips = await get('/api/transfer/trips');
          if (ROLE_PERMISSIONS[role].includes('transfer.read')) {
            expect(trips.statusCode).toBe(200);
            // A trip of the jurisdiction (a pickup in it), with its whole manifest (its crew runs every passenger).
            for (const t of trips.json().items)
              expect(t.passengers.some((x: { area_code: string }) => inside(x.area_code))).toBe(true);
            expect(await exportedRows(get, '/api/transfer/trips/export')).toHaveLength(trips.json().total);
          } else expect(trips.statusCode).toBe(403);
          const clocks = await get('/api/transfer/clocks');
          if (ROLE_PERMISSIONS[role].includes('transfer.manage')) {
            expect(clocks.statusCode).toBe(200);
            for (const x of clocks.json().late) expect(inside(x.area_code)).toBe(true);
            expect(await exportedRows(get, '/api/transfer/late/export')).toHaveLength(
              clocks.json().late_total,
            );
          } else expect(clocks.statusCode).toBe(403);
          // Cases, their contacts and chains: only the jurisdiction's.
          const cases = await get('/api/tracing/cases?limit=500');
          if (ROLE_PERMISSIONS[role].includes('tracing.read')) {
            expect(cases.statusCode).toBe(200);
            for (const c of cases.json().items) expect(inside(c.area_code)).toBe(true);
            for (let id = 1; id <= 5; id++) {
              const contacts = await get(`/api/tracing/cases/${id}/contacts`);
              const { rows } = await ctx.db.query<{ area_code: string }>(
                'SELECT area_code FROM cases WHERE id = $1',
                [id],
              );
              expect(contacts.statusCode).toBe(
                inside((rows[0] as { area_code: string }).area_code) ? 200 : 404,
              );
              if (contacts.statusCode === 200)
                for (const x of contacts.json().items) expect(inside(x.area_code)).toBe(true);
            }
            const general = await get('/api/tracing/general-contacts?limit=1000');
            expect(general.statusCode).toBe(200);
            for (const x of general.json().items) expect(inside(x.area_code)).toBe(true);
            if (jurisdiction === '2202') expect(general.json().items.length).toBeGreaterThan(0);
            expect(general.json().total).toBe(general.json().items.length);
            expect(await exportedRows(get, '/api/tracing/general-contacts/export')).toHaveLength(
              general.json().items.length,
            );
            for (const cl of (await get('/api/tracing/chains')).json().clusters) {
              for (const c of cl.cases) expect(inside(c.area_code)).toBe(true);
            }
          } else expect(cases.statusCode).toBe(403);
          // Passes name their holders: only those of the jurisdiction's areas, listed or read one by one.
          const passes = await get('/api/passes?limit=500');
          if (ROLE_PERMISSIONS[role].includes('pass.issue')) {
            expect(passes.statusCode).toBe(200);
            for (const x of passes.json().items) expect(inside(x.area_code)).toBe(true);
            const all = await ctx.db.query<{ id: number; area_code: string }>(
              'SELECT id, area_code FROM passes',
            );
            expect(passes.json().total).toBe(all.rows.filter((x) => inside(x.area_code)).length);
            for (const x of all.rows.slice(0, 6))
              expect((await get(`/api/passes/${x.id}`)).statusCode).toBe(inside(x.area_code) ? 200 : 404);
            expect((await get('/api/passes/suspects')).statusCode).toBe(200);
          } else expect(passes.statusCode).toBe(403);
          // Requests for care name their patients: only those of the jurisdiction, listed or read one by one.
          const medical = await get('/api/medical/requests?limit=500');
          if (ROLE_PERMISSIONS[role].includes('medical.request')) {
            expect(medical.statusCode).toBe(200);
            for (const x of medical.json().items) expect(inside(x.area_code)).toBe(true);
            const all = await ctx.db.query<{ id: number; area_code: string }>(
              'SELECT id, area_code FROM medical_requests ORDER BY id',
            );
            expect(all.rows.length).toBeGreaterThan(0);
            expect(medical.json().total).toBe(all.rows.filter((x) => inside(x.area_code)).length);
            expect(await exportedRows(get, '/api/medical/requests/export')).toHaveLength(
              medical.json().total,
            );
            for (const x of all.rows.slice(0, 4))
              expect((await get(`/api/medical/requests/${x.id}`)).statusCode).toBe(
                inside(x.area_code) ? 200 : 404,
              );
            for (const x of (await get('/api/medical/emergencies')).json().items)
              expect(inside(x.area_code)).toBe(true);
            for (const x of (await get('/api/medical/refusals')).json().items)
              expect(inside(x.area_code)).toBe(true);
          } else expect(medical.statusCode).toBe(403);
          // Supplies requests name their households' people: only those of the jurisdiction.
          const supplies = await get('/api/supplies/requests?limit=500');
          if (ROLE_PERMISSIONS[role].includes('supply.request')) {
            expect(supplies.statusCode).toBe(200);
            for (const x of supplies.json().items) expect(inside(x.area_code)).toBe(true);
            const all = await ctx.db.query<{ id: number; area_code: string }>(
              'SELECT id, area_code FROM supply_requests ORDER BY id',
            );
            expect(supplies.json().total).toBe(all.rows.filter((x) => inside(x.area_code)).length);
            expect(await exportedRows(get, '/api/supplies/requests/export')).toHaveLength(
              supplies.json().total,
            );
            for (const x of all.rows.slice(0, 4))
              expect((await get(`/api/supplies/requests/${x.id}`)).statusCode).toBe(
                inside(x.area_code) ? 200 : 404,
              );
            for (const x of (await get('/api/supplies/deliveries')).json().items)
              expect(inside(x.area_code)).toBe(true);
          } else expect(supplies.statusCode).toBe(403);
          // Workers, rosters and loops name workers: only those of the jurisdiction.
          const workers = await get('/api/forces/workers?limit=2000');
          if (ROLE_PERMISSIONS[role].includes('forces.read')) {
            expect(workers.statusCode).toBe(200);
            for (const x of workers.json().items) expect(inside(x.area_code)).toBe(true);
            const all = await ctx.db.query<{ area_code: string }>('SELECT area_code FROM workers');
            expect(workers.json().total).toBe(all.rows.filter((x) => inside(x.area_code)).length);
            for (const r of (await get('/api/forces/board?day=2022-03-14')).json().rosters) {
              expect(inside(r.area_code)).toBe(true);
              for (const x of r.shifts) expect(inside(x.area_code)).toBe(true);
            }
            for (const l of (await get('/api/forces/loops?day=2022-03-14')).json().items)
              expect(inside(l.area_code)).toBe(true);
          } else expect(workers.statusCode).toBe(403);
          // Aggregates count only the jurisdiction.
          const stats = await get('/api/stats');
          expect(stats.statusCode).toBe(200);
          const truth = await ctx.db.query<{ n: number }>(
            'SELECT count(*) AS n FROM persons WHERE starts_with(area_code, $1)',
            [jurisdiction],
          );
          expect(stats.json().persons).toBe(truth.rows[0]?.n);
          // The dashboard: the jurisdiction by default, its children, and nothing outside it.
          const kpis = await get('/api/dashboard/kpis');
          expect(kpis.statusCode).toBe(200);
          expect(kpis.json().figures.population ?? 0).toBe(truth.rows[0]?.n);
          const children = (await get(`/api/dashboard/areas?parent=${jurisdiction}`)).json().items;
          for (const a of children) expect(inside(a.code)).toBe(true);
          for (const url of [
            '/api/dashboard/kpis?area=22',
            '/api/dashboard/series?area=22',
            '/api/dashboard/funnel?area=22',
          ])
            expect((await get(url)).statusCode, url).toBe(403);
          const areas = await get('/api/areas?parent=2202');
          for (const a of areas.json().items) {
            if (!a.code.startsWith(jurisdiction) && !jurisdiction.startsWith(a.code))
              expect(a.persons).toBeNull();
          }
          // Audit, users and tokens for those allowed: only their jurisdiction.
          const audit = await get('/api/audit?limit=1000');
          if (ROLE_PERMISSIONS[role].includes('audit.read')) {
            expect(audit.statusCode).toBe(200);
            for (const e of audit.json().items)
              expect(e.area_code === null ? false : inside(e.area_code)).toBe(true);
          } else expect(audit.statusCode).toBe(403);
          for (const url of ['/api/users', '/api/tokens']) {
            const res = await get(url);
            if (role === 'admin') {
              expect(res.statusCode).toBe(200);
              for (const u of res.json().items) expect(inside(u.jurisdiction)).toBe(true);
            } else expect(res.statusCode).toBe(403);
          }
        },
      ),
      { numRuns: 24 },
    );
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('records reads and unmasking in the audit log, with the reason', async () => {
    const s = await loginAs(app, ctx.db, 'tracer', '2202');
    const id = personIds[0] as number;
    const before = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'person.unmask'",
    );
    const res = await app.inject({
      method: 'POST',
      url: `/api/persons/${id}/unmask`,
      headers: s.headers,
      payload: { reason: '流调电话联系' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().id_number).toMatch(/^\d{17}[\dX]$/);
    const { rows } = await ctx.db.query<{ reason: string; actor_name: string; n: number }>(
      "SELECT reason, actor_name, (SELECT count(*) FROM audit_log WHERE action = 'person.unmask') AS n FROM audit_log WHERE action = 'person.unmask' ORDER BY id DESC LIMIT 1",
    );
    expect(rows[0]).toMatchObject({
      reason: '流调电话联系',
      actor_name: s.username,
      n: (before.rows[0]?.n ?? 0) + 1,
    });
    const noReason = await app.inject({
      method: 'POST',
      url: `/api/persons/${id}/unmask`,
      headers: s.headers,
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
  });

  it('requires the CSRF token for changes made with a session cookie', async () => {
    const s = await loginAs(app, ctx.db, 'tracer', '2202');
    const url = `/api/persons/${personIds[0]}/unmask`;
    const payload = { reason: 'checking csrf' };
    const missing = await app.inject({ method: 'POST', url, headers: { cookie: s.headers.cookie }, payload });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf_invalid');
    const forged = await app.inject({
      method: 'POST',
      url,
      headers: { cookie: s.headers.cookie, 'x-csrf-token': 'forged' },
      payload,
    });
    expect(forged.json().error.code).toBe('csrf_invalid');
    const ok = await app.inject({ method: 'POST', url, headers: s.headers, payload });
    expect(ok.statusCode).toBe(200);
  });

  it('sets a hardened session cookie, ends it at logout, and refuses a forged one', async () => {
    await createUser(ctx.db, {
      username: 'cookie-check',
      displayName: 'c',
      password: TEST_PASSWORD,
      role: 'viewer',
      jurisdiction: '2202',
    });
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'cookie-check', password: TEST_PASSWORD },
    });
    const c = login.cookies.find((x) => x.name === 'qc_session');
    expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const headers = { cookie: `qc_session=${c?.value}`, 'x-csrf-token': login.json().csrf_token };
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers })).json()).toMatchObject({
      role: 'viewer',
      permissions: ['area.read', 'isolation.read', 'report.read', 'stats.read', 'testing.read', 'zone.read'],
    });
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(200);
    const after = await app.inject({ method: 'GET', url: '/api/auth/me', headers });
    expect(after.json().error.code).toBe('session_expired');
    const forged = await app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { cookie: 'qc_session=not-a-session' },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('accepts API tokens, and refuses expired, revoked and malformed ones', async () => {
    const { token, row } = await createToken(ctx.db, clock, {
      name: 'lab feed',
      role: 'testing',
      jurisdiction: '220202',
      days: 1,
      createdBy: null,
    });
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    const ok = await app.inject({ method: 'GET', url: '/api/persons?limit=5', headers: auth(token) });
    expect(ok.statusCode).toBe(200);
    for (const p of ok.json().items) expect(p.area_code.startsWith('220202')).toBe(true);
    // No CSRF needed with a token, but the role still limits: testing may not unmask.
    const un = await app.inject({
      method: 'POST',
      url: `/api/persons/${personIds[0]}/unmask`,
      headers: auth(token),
      payload: { reason: 'a token tries' },
    });
    expect(un.statusCode).toBe(403);
    expect(
      (await app.inject({ method: 'GET', url: '/api/stats', headers: auth('qct_forged') })).json().error.code,
    ).toBe('token_invalid');
    expect(
      (await app.inject({ method: 'GET', url: '/api/stats', headers: { authorization: 'Basic abc' } }))
        .statusCode,
    ).toBe(401);
    clock.advance(2 * 86_400_000);
    expect((await app.inject({ method: 'GET', url: '/api/stats', headers: auth(token) })).statusCode).toBe(
      401,
    ); // expired
    clock.advance(-2 * 86_400_000);
    const admin = await loginAs(app, ctx.db, 'admin', '2202');
    const revoke = await app.inject({
      method: 'POST',
      url: `/api/tokens/${row.id}/revoke`,
      headers: admin.headers,
    });
    expect(revoke.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/stats', headers: auth(token) })).statusCode).toBe(
      401,
    ); // revoked
  });

  it('locks an account after five failed logins, and rate-limits login attempts', async () => {
    await createUser(ctx.db, {
      username: 'lock-check',
      displayName: 'l',
      password: TEST_PASSWORD,
      role: 'viewer',
      jurisdiction: '2202',
    });
    const attempt = (password: string) =>
      app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'lock-check', password } });
    for (let i = 0; i < 4; i++) expect((await attempt('wrong password!')).statusCode).toBe(401);
    expect((await attempt('wrong password!')).statusCode).toBe(423);
    expect((await attempt(TEST_PASSWORD)).statusCode).toBe(423); // even the right password, while locked
    clock.advance(16 * 60_000);
    expect((await attempt(TEST_PASSWORD)).statusCode).toBe(200);
    const failures = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.login_failed'",
    );
    expect(failures.rows[0]?.n).toBeGreaterThanOrEqual(6);
    // A password typed in the user-name box is not written down: an unknown name is kept as a short hash.
    await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'My-Secret-Pass-2022', password: 'x' },
    });
    const kept = await ctx.db.query<{ actor_name: string; details: unknown }>(
      "SELECT actor_name, details FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id DESC LIMIT 1",
    );
    expect(kept.rows[0]?.actor_name).toMatch(/^unknown:[0-9a-f]{10}$/);
    expect(JSON.stringify(kept.rows)).not.toContain('My-Secret-Pass');

    const limited = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        (
          await limited.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { username: 'nobody', password: 'x' },
          })
        ).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    const refused = await limited.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'nobody', password: 'x' },
    });
    expect(refused.json().error.code).toBe('rate_limited');
    // Guessing the current password through a session is limited the same way.
    const guesser = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 3 });
    const s = await loginAs(guesser, ctx.db, 'viewer', '2202');
    const tries: number[] = [];
    for (let i = 0; i < 4; i++)
      tries.push(
        (
          await guesser.inject({
            method: 'POST',
            url: '/api/auth/password',
            headers: s.headers,
            payload: { current_password: `wrong guess ${i}`, new_password: 'whatever it is 123' },
          })
        ).statusCode,
      );
    expect(tries).toEqual([400, 400, 400, 429]);
    await guesser.close();
    await limited.close();
  });

  it('makes a one-time password usable only to change it', async () => {
    const admin = await loginAs(app, ctx.db, 'admin', '2202');
    const created = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin.headers,
      payload: { username: 'new-tracer', display_name: '新流调员', role: 'tracer', jurisdiction: '220202' },
    });
    expect(created.statusCode).toBe(200);
    const otp = created.json().one_time_password as string;
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'new-tracer', password: otp },
    });
    expect(login.json().must_change_password).toBe(true);
    const headers = {
      cookie: `qc_session=${login.cookies.find((c) => c.name === 'qc_session')?.value}`,
      'x-csrf-token': login.json().csrf_token,
    };
    expect((await app.inject({ method: 'GET', url: '/api/persons', headers })).json().error.code).toBe(
      'password_change_required',
    );
    const weak = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers,
      payload: { current_password: otp, new_password: 'short' },
    });
    expect(weak.json().error.code).toBe('password_weak');
    const same = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers,
      payload: { current_password: otp, new_password: otp },
    });
    expect(same.json().error.code).toBe('password_unchanged');
    const changed = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers,
      payload: { current_password: otp, new_password: 'a much better passphrase 7' },
    });
    expect(changed.statusCode).toBe(200);
    // The change ended the session it was made in: the old cookie is dead, the new one (and its token) works.
    expect((await app.inject({ method: 'GET', url: '/api/persons?limit=1', headers })).statusCode).toBe(401);
    const renewed = {
      cookie: `qc_session=${changed.cookies.find((c) => c.name === 'qc_session')?.value}`,
      'x-csrf-token': changed.json().csrf_token as string,
    };
    expect(renewed['x-csrf-token']).not.toBe(headers['x-csrf-token']);
    expect(renewed.cookie).not.toBe(headers.cookie);
    expect(
      (await app.inject({ method: 'GET', url: '/api/persons?limit=1', headers: renewed })).statusCode,
    ).toBe(200);
    // An admin cannot create accounts outside their own jurisdiction.
    const districtAdmin = await loginAs(app, ctx.db, 'admin', '220202');
    const outside = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: districtAdmin.headers,
      payload: { username: 'elsewhere', display_name: 'x', role: 'tracer', jurisdiction: '220203' },
    });
    expect(outside.json().error.code).toBe('out_of_jurisdiction');
  });

  it('ends every other session of an account when its password changes, and rotates cookie and CSRF token', async () => {
    const username = 'rotation-check';
    await createUser(ctx.db, {
      username,
      displayName: 'r',
      password: TEST_PASSWORD,
      role: 'tracer',
      jurisdiction: '2202',
    });
    const login = async (password: string) => {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      expect(r.statusCode).toBe(200);
      return {
        cookie: `qc_session=${r.cookies.find((c) => c.name === 'qc_session')?.value}`,
        'x-csrf-token': r.json().csrf_token as string,
      };
    };
    const laptop = await login(TEST_PASSWORD);
    const phone = await login(TEST_PASSWORD); // another device, still logged in
    const me = (h: Record<string, string>) => app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect((await me(phone)).statusCode).toBe(200);
    const changed = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: laptop,
      payload: { current_password: TEST_PASSWORD, new_password: 'an entirely new passphrase 9' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await me(phone)).json().error.code).toBe('session_expired');
    expect((await me(laptop)).statusCode).toBe(401);
    const fresh = {
      cookie: `qc_session=${changed.cookies.find((c) => c.name === 'qc_session')?.value}`,
      'x-csrf-token': changed.json().csrf_token as string,
    };
    expect((await me(fresh)).json().csrf_token).toBe(fresh['x-csrf-token']);
    expect(fresh['x-csrf-token']).not.toBe(laptop['x-csrf-token']);
    const audit = await ctx.db.query<{ details: { sessions_ended: number } }>(
      "SELECT details FROM audit_log WHERE action = 'auth.password_changed' ORDER BY id DESC LIMIT 1",
    );
    expect(audit.rows[0]?.details.sessions_ended).toBe(2);
    // Logging in again from a browser that holds a session ends that session (no fixation, no stale cookies).
    const again = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { cookie: fresh.cookie },
      payload: { username, password: 'an entirely new passphrase 9' },
    });
    expect(again.statusCode).toBe(200);
    expect((await me(fresh)).statusCode).toBe(401);
  });

  it('refuses oversized bodies and injection strings precisely', async () => {
    const s = await loginAs(app, ctx.db, 'tracer', '2202');
    const big = await app.inject({
      method: 'POST',
      url: `/api/persons/${personIds[0]}/unmask`,
      headers: { ...s.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    for (const evil of ["1' OR '1'='1", '1; DROP TABLE persons', '../../etc/passwd']) {
      const r = await app.inject({
        method: 'GET',
        url: `/api/persons/${encodeURIComponent(evil)}`,
        headers: s.headers,
      });
      expect(r.statusCode).toBe(400);
      const a = await app.inject({
        method: 'GET',
        url: `/api/persons?area=${encodeURIComponent(evil)}`,
        headers: s.headers,
      });
      expect(a.statusCode).toBe(400);
    }
    const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM persons');
    expect(rows[0]?.n).toBe(3000);
  });
});
