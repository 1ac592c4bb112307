/** From a positive result to cases, contacts with provenance, and chains — on both backends. */

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { DEFAULT_TRACING_RULES, venueRule } from '../../domain/contact-rules.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { seedCity } from '../registry/seed-city.ts';
import { chains } from './chains.ts';
import { runTracing } from './run-tracing.ts';
import { createCase, traceCase } from './trace-case.ts';

const clock = new ManualClock('2022-03-14T10:00:00Z');

interface P {
  id: number;
  household_id: number;
  building_id: number;
  unit: number;
  floor: number;
  area_code: string;
}

describeBackends('tracing', (ctx) => {
  let app: FastifyInstance;
  let tracer: TestSession;
  let feed: TestSession;
  let index: P; // the first case
  let others: P[]; // people elsewhere in the city
  let venue: string;
  let caseId: number;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const positive = (personId: number, at: string) =>
    ctx.db.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.person_positive', 'person', id, area_code, $2, '{}'::jsonb FROM persons WHERE id = $1`,
      [personId, at],
    );

  beforeAll(async () => {
    clock.set('2022-03-14T10:00:00Z'); // each backend's suite starts on the same day
    await seedCity(ctx.db, { city: '2202', people: 20_000, seed: 5, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    tracer = await loginAs(app, ctx.db, 'tracer', '2202');
    feed = await loginAs(app, ctx.db, 'tracer', '2202');
    const pick = await ctx.db.query<P>(
      `SELECT p.id, p.household_id, h.building_id, h.unit, h.floor, p.area_code FROM persons p JOIN households h ON h.id = p.household_id
        WHERE h.unit IS NOT NULL AND h.floor BETWEEN 2 AND 5
          AND (SELECT count(*) FROM persons q WHERE q.household_id = p.household_id) >= 3
        ORDER BY p.id LIMIT 1`,
    );
    index = pick.rows[0] as P;
    const far = await ctx.db.query<P>(
      `SELECT p.id, p.household_id, h.building_id, h.unit, h.floor, p.area_code FROM persons p JOIN households h ON h.id = p.household_id
        WHERE h.building_id <> $1 AND (SELECT count(*) FROM persons q WHERE q.household_id = p.household_id) >= 2
        ORDER BY p.id DESC LIMIT 400`,
      [index.building_id],
    );
    // One person per household, so each stands for a different family.
    const seen = new Set<number>();
    others = far.rows.filter((r) => !seen.has(r.household_id) && seen.add(r.household_id));
    const v = await ctx.db.query<{ venue_code: string }>('SELECT venue_code FROM venues ORDER BY id LIMIT 1');
    venue = v.rows[0]?.venue_code as string;
  });
  afterAll(async () => {
    await app.close();
  });

  it('ingests check-ins and co-location records, answering every item', async () => {
    const [q, r, s, t, u, v] = others as [P, P, P, P, P, P];
    const res = await call(feed, 'POST', '/api/tracing/checkins', {
      items: [
        { person_id: index.id, venue_code: venue, at: '2022-03-13T09:00:00Z' },
        { person_id: q.id, venue_code: venue, at: '2022-03-13T09:30:00Z' }, // within an hour: close
        { person_id: r.id, venue_code: venue, at: '2022-03-13T12:30:00Z' }, // hours later: not a contact
        { person_id: s.id, venue_code: venue, at: '2022-03-01T09:00:00Z' }, // outside the window
        { person_id: s.id, venue_code: venue, at: '2022-03-01T09:00:00Z' }, // repeated in the batch
        { person_id: 999999999, venue_code: venue, at: '2022-03-13T09:00:00Z' },
        { person_id: q.id, venue_code: 'NO-SUCH-VENUE', at: '2022-03-13T09:00:00Z' },
        { person_id: q.id, venue_code: venue, at: '2022-03-15T09:00:00Z' }, // a day ahead of the server clock
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((i: { status: string; code?: string }) => i.code ?? i.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'duplicate',
      'person_unknown',
      'venue_unknown',
      'clock_skew',
    ]);
    const again = await call(feed, 'POST', '/api/tracing/checkins', {
      items: [{ person_id: q.id, venue_code: venue, at: '2022-03-13T09:30:00Z' }],
    });
    expect(again.json().items[0].status).toBe('duplicate');
    const co = await call(feed, 'POST', '/api/tracing/colocations', {
      items: [
        {
          person_id: index.id,
          cell_id: 'C-800-1',
          starts_at: '2022-03-13T14:00:00Z',
          ends_at: '2022-03-13T15:00:00Z',
        },
        {
          person_id: t.id,
          cell_id: 'C-800-1',
          starts_at: '2022-03-13T14:40:00Z',
          ends_at: '2022-03-13T16:00:00Z',
        }, // 20 min
        {
          person_id: u.id,
          cell_id: 'C-800-1',
          starts_at: '2022-03-13T14:55:00Z',
          ends_at: '2022-03-13T16:00:00Z',
        }, // 5 min
        {
          person_id: u.id,
          cell_id: 'C-800-2',
          starts_at: '2022-03-13T16:00:00Z',
          ends_at: '2022-03-13T15:00:00Z',
        },
        {
          person_id: v.id,
          cell_id: 'C-800-1',
          starts_at: '2022-03-12T15:10:00Z',
          ends_at: '2022-03-13T14:30:00Z',
        }, // a stay of 23 h 20 min that began the day before: 30 min together
        {
          person_id: u.id,
          cell_id: 'C-800-1',
          starts_at: '2022-03-12T10:00:00Z',
          ends_at: '2022-03-13T14:30:00Z',
        }, // more than a day: the feed must split it
      ],
    });
    expect(co.json().items.map((i: { status: string; code?: string }) => i.code ?? i.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'interval_invalid',
      'accepted',
      'interval_too_long',
    ]);
  });

  it('turns a positive into a case and finds its contacts with provenance', async () => {
    await positive(index.id, '2022-03-14T08:00:00Z');
    const run = await runTracing(ctx.db, clock);
    expect(run.casesCreated).toBe(1);
    caseId = (run.traced[0] as { caseId: number }).caseId;
    const again = await runTracing(ctx.db, clock);
    expect(again).toEqual({ casesCreated: 0, traced: [] }); // idempotent
    const list = (await call(tracer, 'GET', '/api/tracing/cases')).json().items;
    expect(list[0]).toMatchObject({ id: caseId, person_id: index.id, severity: 'unclassified' });
    expect(list[0].case_no).toMatch(new RegExp(`^${index.area_code.slice(0, 6)}-20220314-0001$`));

    const contacts = (await call(tracer, 'GET', `/api/tracing/cases/${caseId}/contacts`)).json().items as {
      person_id: number;
      level: string;
      source: string;
      via_person_id: number | null;
      risk_status: string;
    }[];
    const of = (id: number) =>
      contacts.filter((c) => c.person_id === id).map((c) => `${c.level}/${c.source}`);
    const household = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE household_id = $1 AND id <> $2',
      [index.household_id, index.id],
    );
    for (const m of household.rows) expect(of(m.id)).toContain('close/household');
    const [q, r, s, t, u, v] = others as [P, P, P, P, P, P];
    expect(of(q.id)).toEqual(['close/venue']);
    expect(of(r.id)).toEqual([]);
    expect(of(s.id)).toEqual([]);
    expect(of(t.id)).toEqual(['general/colocation']);
    expect(of(u.id)).toEqual([]);
    expect(of(v.id)).toEqual(['general/colocation']);
    // General contacts are kept apart: listed, but no risk status and nothing for the isolation module.
    expect(contacts.find((c) => c.person_id === t.id)?.risk_status).toBe('none');
    const tEvents = await ctx.db.query(
      "SELECT 1 FROM events WHERE type = 'tracing.risk_person_found' AND subject_id = $1",
      [t.id],
    );
    expect(tEvents.rows).toHaveLength(0);
    // Secondary through the close contact met at the venue: their household.
    const qHome = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE household_id = $1 AND id <> $2',
      [q.household_id, q.id],
    );
    for (const m of qHome.rows) {
      expect(contacts.find((c) => c.person_id === m.id)).toMatchObject({
        level: 'secondary',
        source: 'household',
        via_person_id: q.id,
      });
    }
    // Neighbours on the same and adjacent floors of the stairwell.
    const floors = await ctx.db.query<{ id: number; floor: number }>(
      `SELECT p.id, h.floor FROM persons p JOIN households h ON h.id = p.household_id
        WHERE h.building_id = $1 AND h.unit = $2 AND p.household_id <> $3`,
      [index.building_id, index.unit, index.household_id],
    );
    for (const n of floors.rows) {
      const expected = Math.abs(n.floor - index.floor) <= 1;
      expect(of(n.id).includes('secondary/building_floor'), `floor ${n.floor}`).toBe(expected);
    }
    // Invariants: no self-contacts; a secondary link through someone only through a close contact of the same case.
    expect(contacts.some((c) => c.person_id === index.id)).toBe(false);
    const closeIds = new Set(contacts.filter((c) => c.level === 'close').map((c) => c.person_id));
    for (const c of contacts) if (c.via_person_id !== null) expect(closeIds.has(c.via_person_id)).toBe(true);
    // Statuses raised, one event each for the isolation module.
    const st = await ctx.db.query<{ risk_status: string }>(
      `SELECT coalesce((SELECT r.risk_status FROM person_risk r WHERE r.person_id = $1), 'none') AS risk_status`,
      [q.id],
    );
    expect(st.rows[0]?.risk_status).toBe('close_contact');
    const ev = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM events WHERE type = 'tracing.risk_person_found'",
    );
    expect(ev.rows[0]?.n).toBe(
      new Set(contacts.filter((c) => c.level !== 'general').map((c) => c.person_id)).size,
    );
  });

  it('records investigations, refuses self-contacts and second cases, reclassifies', async () => {
    const w = others[10] as P;
    const manual = await call(tracer, 'POST', `/api/tracing/cases/${caseId}/exposures`, {
      items: [
        {
          person_id: w.id,
          kind: 'meal',
          starts_at: '2022-03-13T11:00:00Z',
          ends_at: '2022-03-13T12:00:00Z',
          place: '饭店',
        },
      ],
    });
    expect(manual.statusCode, manual.body).toBe(200);
    expect(manual.json().close).toBeGreaterThan(0);
    const self = await call(tracer, 'POST', `/api/tracing/cases/${caseId}/exposures`, {
      items: [
        {
          person_id: index.id,
          kind: 'meal',
          starts_at: '2022-03-13T11:00:00Z',
          ends_at: '2022-03-13T12:00:00Z',
        },
      ],
    });
    expect(self.json().error.code).toBe('self_contact');
    const dup = await call(tracer, 'POST', '/api/tracing/cases', {
      person_id: index.id,
      first_positive_at: '2022-03-14T08:00:00Z',
    });
    expect(dup.statusCode).toBe(409);
    for (const [first_positive_at, code] of [
      ['2031-03-14T08:00:00Z', 'time_in_future'],
      ['1970-01-01T00:00:00Z', 'validation_failed'],
      [0, 'validation_failed'],
    ] as const) {
      const r = await call(tracer, 'POST', '/api/tracing/cases', {
        person_id: others[5]?.id,
        first_positive_at,
      });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe(code);
    }
    const tomorrow = await call(tracer, 'POST', `/api/tracing/cases/${caseId}/classify`, {
      onset_date: '2031-01-01',
    });
    expect(tomorrow.json().error.code).toBe('date_in_future');
    await call(tracer, 'POST', `/api/tracing/cases/${caseId}/classify`, { severity: 'asymptomatic' });
    const re = (
      await call(tracer, 'POST', `/api/tracing/cases/${caseId}/classify`, {
        severity: 'mild',
        onset_date: '2022-03-13',
      })
    ).json();
    expect(re).toMatchObject({ severity: 'mild', onset_date: '2022-03-13' });
    expect(re.reclassified_at).not.toBeNull();
  });

  it('links a contact who turns positive into a chain', async () => {
    const q = others[0] as P;
    clock.set('2022-03-15T10:00:00Z');
    await positive(q.id, '2022-03-15T08:00:00Z');
    await runTracing(ctx.db, clock);
    // A new day: sessions are shift-long, log in again.
    tracer = await loginAs(app, ctx.db, 'tracer', '2202');
    feed = await loginAs(app, ctx.db, 'tracer', '2202');
    const json = (await call(tracer, 'GET', '/api/tracing/chains')).json();
    const cluster = json.clusters[0];
    expect(cluster.cases).toHaveLength(2);
    expect(cluster.cases[1]).toMatchObject({ infector_case_id: caseId, via_source: 'venue' });
    const csv = await call(tracer, 'GET', '/api/tracing/chains?format=csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\n')[0]).toBe('cluster,case_no,found_at,area_code,infector_case_no,via_source');
    expect(csv.body).toMatch(/,venue\n/);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('applies each kind of venue its window and level exactly (property over check-in times, through traceCase)', async () => {
    const v2 = await ctx.db.query<{ venue_code: string; kind: string }>(
      'SELECT venue_code, kind FROM venues ORDER BY id DESC LIMIT 1',
    );
    const code = v2.rows[0]?.venue_code as string;
    const rule = venueRule(DEFAULT_TRACING_RULES, v2.rows[0]?.kind as string);
    const casePerson = others[20] as P;
    const base = Date.parse('2022-03-15T02:00:00Z');
    await call(feed, 'POST', '/api/tracing/checkins', {
      items: [{ person_id: casePerson.id, venue_code: code, at: new Date(base).toISOString() }],
    });
    const kase = await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: casePerson.id, firstPositiveAt: new Date('2022-03-15T08:00:00Z') }),
    );
    const candidates = others.slice(30, 60);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -180, max: 180 }), {
          minLength: candidates.length,
          maxLength: candidates.length,
        }),
        async (offsets) => {
          await ctx.db.query('DELETE FROM contact_links WHERE case_id = $1', [kase.case.id]);
          await ctx.db.query('DELETE FROM checkins WHERE person_id = ANY($1::int8[])', [
            candidates.map((c) => c.id),
          ]);
          const sent = await call(feed, 'POST', '/api/tracing/checkins', {
            items: candidates.map((c, i) => ({
              person_id: c.id,
              venue_code: code,
              at: new Date(base + (offsets[i] as number) * 60_000).toISOString(),
            })),
          });
          expect(sent.statusCode).toBe(200);
          await ctx.db.transaction((tx) => traceCase(tx, clock, kase.case.id));
          const links = await ctx.db.query<{ person_id: number; level: string }>(
            "SELECT person_id, level FROM contact_links WHERE case_id = $1 AND source = 'venue'",
            [kase.case.id],
          );
          const got = new Map(links.rows.map((r) => [r.person_id, r.level]));
          for (const [i, c] of candidates.entries())
            expect(got.get(c.id)).toBe(
              Math.abs(offsets[i] as number) <= rule.windowMinutes ? rule.level : undefined,
            );
        },
      ),
      { numRuns: 8 },
    );
  });

  it('changes the contact rules city-wide, with history and audit, and traces new cases by them', async () => {
    const commander = await loginAs(app, ctx.db, 'commander', '2202');
    const narrow = await loginAs(app, ctx.db, 'commander', index.area_code.slice(0, 6));
    const before = (await call(tracer, 'GET', '/api/tracing/rules')).json();
    expect(before.id).toBeNull();
    expect(before.rules).toEqual(DEFAULT_TRACING_RULES);
    const rules = { ...DEFAULT_TRACING_RULES, lookbackDays: 4 };
    const put = (s: TestSession, body: unknown) => call(s, 'PUT' as 'POST', '/api/tracing/rules', body);
    expect((await put(tracer, { rules, reason: 'onset often missed' })).statusCode).toBe(403);
    const tooNarrow = await put(narrow, { rules, reason: 'onset often missed' });
    expect(tooNarrow.statusCode).toBe(403);
    expect(tooNarrow.json().error.code).toBe('jurisdiction_too_narrow');
    const bad = await put(commander, { rules: { ...rules, lookbackDays: 30 }, reason: 'typo' });
    expect(bad.statusCode).toBe(400);
    const unknownKind = await put(commander, {
      rules: { ...rules, venueKinds: { casino: { level: 'close', windowMinutes: 5 } } },
      reason: 'no such kind',
    });
    expect(unknownKind.statusCode).toBe(400);
    expect((await call(tracer, 'GET', '/api/tracing/rules')).json().id).toBeNull(); // nothing written

    // A check-in three days before the positive sample: outside the 2-day window, inside a 4-day one.
    const [kasePerson, met, metLater] = others.slice(80, 83) as [P, P, P];
    const v = await ctx.db.query<{ venue_code: string }>(
      "SELECT venue_code FROM venues WHERE kind = 'workplace' ORDER BY id OFFSET 3 LIMIT 1",
    );
    const at = '2022-03-11T01:00:00Z';
    await call(feed, 'POST', '/api/tracing/checkins', {
      items: [
        { person_id: kasePerson.id, venue_code: v.rows[0]?.venue_code, at },
        { person_id: met.id, venue_code: v.rows[0]?.venue_code, at },
      ],
    });
    await positive(kasePerson.id, '2022-03-14T02:00:00Z');
    await runTracing(ctx.db, clock);
    const linked = (personId: number) =>
      ctx.db.query("SELECT 1 FROM contact_links WHERE person_id = $1 AND source = 'venue'", [personId]);
    expect((await linked(met.id)).rows).toHaveLength(0);

    const ok = await put(commander, { rules, reason: 'onset dates are often missed: look back four days' });
    expect(ok.statusCode).toBe(200);
    const now = (await call(tracer, 'GET', '/api/tracing/rules')).json();
    expect(now).toMatchObject({
      rules: { lookbackDays: 4 },
      reason: 'onset dates are often missed: look back four days',
    });
    const audit = await ctx.db.query("SELECT 1 FROM audit_log WHERE action = 'tracing.rules_changed'");
    expect(audit.rows).toHaveLength(1);
    // Cases traced from now on use the new rules.
    await call(feed, 'POST', '/api/tracing/checkins', {
      items: [{ person_id: metLater.id, venue_code: v.rows[0]?.venue_code, at }],
    });
    const second = others[83] as P;
    await call(feed, 'POST', '/api/tracing/checkins', {
      items: [{ person_id: second.id, venue_code: v.rows[0]?.venue_code, at }],
    });
    await positive(second.id, '2022-03-14T02:00:00Z');
    await runTracing(ctx.db, clock);
    expect((await linked(metLater.id)).rows).toHaveLength(1);

    // General contacts are listed apart, scoped, one row per person.
    const general = await call(tracer, 'GET', '/api/tracing/general-contacts?limit=1000');
    expect(general.statusCode).toBe(200);
    const items = general.json().items as { person_id: number; sources: string[]; risk_status: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.person_id)).size).toBe(items.length);
    for (const i of items) expect(i.risk_status).not.toMatch(/close|secondary/);
    expect(general.json().total).toBe(items.length);
    // Paged one at a time, the list walks every row once; only the first page says how many.
    const walked: number[] = [];
    let after: number | null = null;
    do {
      const page: { items: { person_id: number }[]; total: number | null; next_after: number | null } = (
        await call(
          tracer,
          'GET',
          `/api/tracing/general-contacts?limit=1${after === null ? '' : `&after=${after}`}`,
        )
      ).json();
      if (after === null) expect(page.total).toBe(items.length);
      else expect(page.total).toBeNull();
      walked.push(...page.items.map((i) => i.person_id));
      after = page.next_after;
    } while (after !== null);
    expect(walked).toEqual(items.map((i) => i.person_id));
    // The export holds them all, in words (sources, statuses, Beijing times).
    const csv = await call(tracer, 'GET', '/api/tracing/general-contacts/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^人员编号,(姓名,)?所在区域,风险状态,关联病例,发现方式,最早接触,发现时间$/);
    expect(lines).toHaveLength(items.length + 1);
    expect(lines.slice(1).join('\n')).not.toMatch(/venue|colocation|household|normal|T\d\d:/);
    await ctx.db.query('DELETE FROM tracing_rules');
  });

  it("never makes two cases found at the same instant each other's infector (the chain graph showed a 2-cycle)", async () => {
    const [a, b] = [others[90] as P, others[91] as P];
    const at = new Date('2022-03-16T02:00:00Z');
    clock.set(at.toISOString());
    const ids = await ctx.db.transaction(async (tx) => [
      (await createCase(tx, clock, { personId: a.id, firstPositiveAt: at })).case.id,
      (await createCase(tx, clock, { personId: b.id, firstPositiveAt: at })).case.id,
    ]);
    // Each was traced as the other's close contact, at the instant both were found.
    for (const [kase, person] of [
      [ids[0], b.id],
      [ids[1], a.id],
    ] as const)
      await ctx.db.query(
        `INSERT INTO contact_links (person_id, case_id, level, source, exposure_at, found_at)
         VALUES ($1, $2, 'close', 'manual', $3, $3)`,
        [person, kase, at],
      );
    const all = (await chains(ctx.db, { prefix: '' })).flatMap((c) => c.cases);
    const infector = new Map(all.map((k) => [k.case_id, k.infector_case_id]));
    // Follow every case's infectors: the walk ends within as many steps as there are cases.
    for (const k of all) {
      let at2: number | null | undefined = k.case_id;
      for (let steps = 0; at2 !== null && at2 !== undefined; steps++) {
        expect(steps, `cycle through case ${k.case_id}`).toBeLessThanOrEqual(all.length);
        at2 = infector.get(at2);
      }
    }
    const pair = all.filter((k) => ids.includes(k.case_id));
    expect(pair.map((k) => k.infector_case_id).filter((x) => x !== null)).toHaveLength(1);
  });
});
