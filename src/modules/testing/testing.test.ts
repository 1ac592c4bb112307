/** A round through the API: plan, sample, close, box, ship, receive, result, follow up, coverage — and bad input. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { makeIdNumber } from '../../domain/id-number.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { setZone } from '../command/zones.ts';
import { seedCity } from '../registry/seed-city.ts';
import { buildFhirResultsBundle } from './fhir/parse-results.ts';
import { ScanCoalescer } from './scan-coalescer.ts';

const clock = new ManualClock('2022-03-14T06:00:00Z');

describeBackends('mass testing', (ctx) => {
  let app: FastifyInstance;
  let cmd: TestSession;
  let sampler: TestSession;
  let lab: TestSession;
  let community: string;
  let people: { id: number; id_number: string; area_code: string }[];
  let roundId: number;
  let pointId: number;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });

  beforeAll(async () => {
    clock.set('2022-03-14T06:00:00Z'); // each backend's suite starts on the same day
    await seedCity(ctx.db, { city: '2202', people: 50_000, seed: 21, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    // The community with the most residents.
    const c = await ctx.db.query<{ code: string }>(
      'SELECT left(area_code, 12) AS code FROM persons GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    );
    community = c.rows[0]?.code as string;
    const p = await ctx.db.query<{ id: number; id_number: string; area_code: string }>(
      'SELECT id, id_number, area_code FROM persons WHERE starts_with(area_code, $1) ORDER BY id',
      [community],
    );
    people = p.rows;
    cmd = await loginAs(app, ctx.db, 'commander', '2202');
    sampler = await loginAs(app, ctx.db, 'sampler', community);
    lab = await loginAs(app, ctx.db, 'lab', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('starts a round with sampling points sized from the registry', async () => {
    const res = await call(cmd, 'POST', '/api/testing/rounds', {
      name: '第8轮全员核酸',
      areas: [community.slice(0, 9)],
    });
    expect(res.statusCode, res.body).toBe(200);
    roundId = res.json().id;
    expect(res.json().sampling_points).toBeGreaterThan(0);
    expect(new Date(res.json().deadline_at).getTime() - new Date(res.json().starts_at).getTime()).toBe(
      24 * 3600_000,
    );
    const points = (await call(sampler, 'GET', `/api/testing/rounds/${roundId}/points`)).json().items;
    const mine = points.find((x: { area_code: string }) => x.area_code === community);
    expect(mine.samplers).toBe(Math.max(1, Math.ceil(people.length / 360)));
    pointId = mine.id;
    const bad = await call(cmd, 'POST', '/api/testing/rounds', { name: 'x', areas: ['220299999'] });
    expect(bad.json().error.code).toBe('area_unknown');
    // A community named beside its own street adds nobody: the same points, each resident counted once.
    const nested = await call(cmd, 'POST', '/api/testing/rounds', {
      name: '第8轮补充',
      areas: [community, community.slice(0, 9)],
    });
    expect(nested.statusCode, nested.body).toBe(200);
    expect(nested.json().sampling_points).toBe(res.json().sampling_points);
    const again = (await call(sampler, 'GET', `/api/testing/rounds/${nested.json().id}/points`)).json().items;
    expect(again.find((x: { area_code: string }) => x.area_code === community).samplers).toBe(mine.samplers);
    await ctx.db.query(`UPDATE rounds SET status = 'closed' WHERE id = $1`, [nested.json().id]);
  });

  it('records scans idempotently, fills and closes tubes, and flags what is odd', async () => {
    clock.set('2022-03-14T07:30:00Z');
    const at = '2022-03-14T07:00:00Z';
    const items = people.slice(0, 12).map((p, i) => ({
      key: `scan-${String(p.id).padStart(8, '0')}`,
      tube: i < 10 ? 'T0000001' : 'T0000002',
      person_id: p.id,
      point_id: pointId,
      scanned_at: at,
      pool_size: 10,
    }));
    const first = await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, { items });
    expect(first.statusCode, first.body).toBe(200);
    const out = first.json().items;
    expect(out.filter((o: { status: string }) => o.status === 'accepted')).toHaveLength(12);
    expect(out[9]).toMatchObject({ tube: 'T0000001', tubeStatus: 'closed', members: 10 });
    // The same batch again (a phone that lost the answer): nothing counted twice.
    const again = (await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, { items })).json()
      .items;
    expect(again.every((o: { status: string }) => o.status === 'duplicate')).toBe(true);
    const { rows } = await ctx.db.query<{ members: number }>(
      "SELECT members FROM tubes WHERE barcode = 'T0000002'",
    );
    expect(rows[0]?.members).toBe(2);
    // The round's scans and who it sampled are kept in its own partitions (migration 0035).
    const parts = await ctx.db.query<{ part: string; n: number }>(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM scans WHERE round_id = $1 GROUP BY 1
       UNION ALL
       SELECT tableoid::regclass::text, count(*)::int FROM round_people WHERE round_id = $1 GROUP BY 1`,
      [roundId],
    );
    expect(parts.rows).toEqual([
      { part: `scans_r${roundId}`, n: 12 },
      { part: `round_people_r${roundId}`, n: 12 },
    ]);

    const p13 = people[12] as { id: number; id_number: string };
    const traveller = makeIdNumber('110101', '1990-05-05', 123);
    const odd = (
      await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
        items: [
          { key: 'k-closed-tube', tube: 'T0000001', person_id: p13.id, point_id: pointId, scanned_at: at },
          { key: 'k-traveller-1', tube: 'T0000002', id_number: traveller, point_id: pointId, scanned_at: at },
          {
            key: 'k-twice-0001',
            tube: 'T0000002',
            person_id: (people[0] as { id: number }).id,
            point_id: pointId,
            scanned_at: at,
          },
          {
            key: 'k-bad-idnum',
            tube: 'T0000002',
            id_number: '220202199001011230',
            point_id: pointId,
            scanned_at: at,
          },
          { key: 'k-nobody-01', tube: 'T0000002', person_id: 999999999, point_id: pointId, scanned_at: at },
          { key: 'k-bad-point', tube: 'T0000002', person_id: p13.id, point_id: 999999, scanned_at: at },
          {
            key: 'k-by-idnum1',
            tube: 'T0000002',
            id_number: p13.id_number,
            point_id: pointId,
            scanned_at: at,
          },
          // A first-generation (15-digit) number: stored as its 18-digit form, flagged.
          {
            key: 'k-first-gen-1',
            tube: 'T0000002',
            id_number: '110105491231002',
            point_id: pointId,
            scanned_at: at,
          },
        ],
      })
    ).json().items;
    expect(odd[0]).toMatchObject({ status: 'rejected', code: 'tube_closed' });
    expect(odd[1]).toMatchObject({ status: 'accepted', flags: ['not_in_registry'] });
    expect(odd[2]).toMatchObject({ status: 'accepted', flags: ['sampled_twice'] });
    expect(odd[3]).toMatchObject({ status: 'rejected', code: 'id_check_digit' });
    expect(odd[4]).toMatchObject({ status: 'rejected', code: 'person_unknown' });
    expect(odd[5]).toMatchObject({ status: 'rejected', code: 'point_unknown' });
    expect(odd[6]).toMatchObject({ status: 'accepted', flags: [] });
    expect(odd[7]).toMatchObject({ status: 'accepted', flags: ['id_converted_from_15', 'not_in_registry'] });
    const firstGen = await ctx.db.query<{ id_number: string }>(
      "SELECT id_number FROM scans WHERE idempotency_key = 'k-first-gen-1'",
    );
    expect(firstGen.rows).toEqual([{ id_number: '11010519491231002X' }]);
    // A phone whose clock runs ahead: accepted, flagged.
    const ahead = (
      await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
        items: [
          {
            key: 'k-clock-ahead',
            tube: 'T0000003',
            person_id: (people[14] as { id: number }).id,
            point_id: pointId,
            scanned_at: '2022-03-14T09:00:00Z',
          },
        ],
      })
    ).json().items;
    expect(ahead[0].flags).toEqual(['clock_ahead']);
    const malformed = await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
      items: [{ key: 'short' }],
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('moves tubes through boxes to the lab, refusing steps out of order', async () => {
    const early = (
      await call(sampler, 'POST', '/api/testing/boxes', {
        round_id: roundId,
        box: 'BOX-0001',
        tubes: ['T0000001', 'T0000002'],
      })
    ).json();
    expect(early.items).toEqual([
      { tube: 'T0000001', status: 'ok' },
      {
        tube: 'T0000002',
        status: 'rejected',
        code: 'transition_invalid',
        message: 'tube T0000002 is open; it must be closed to become boxed',
      },
    ]);
    expect(
      (await call(sampler, 'POST', '/api/testing/tubes/close', { tubes: ['T0000002', 'T9999999'] })).json()
        .items,
    ).toEqual([
      { tube: 'T0000002', status: 'ok' },
      { tube: 'T9999999', status: 'rejected', code: 'tube_unknown', message: 'no tube T9999999' },
    ]);
    expect(
      (
        await call(sampler, 'POST', '/api/testing/boxes', {
          round_id: roundId,
          box: 'BOX-0001',
          tubes: ['T0000002'],
        })
      ).json().items[0].status,
    ).toBe('ok');
    // Retries after a lost answer change nothing and say so; the same tube into another box is still refused.
    expect(
      (await call(sampler, 'POST', '/api/testing/tubes/close', { tubes: ['T0000002'] })).json().items,
    ).toEqual([{ tube: 'T0000002', status: 'already' }]);
    expect(
      (
        await call(sampler, 'POST', '/api/testing/boxes', {
          round_id: roundId,
          box: 'BOX-0001',
          tubes: ['T0000001', 'T0000002'],
        })
      ).json().items,
    ).toEqual([
      { tube: 'T0000001', status: 'already' },
      { tube: 'T0000002', status: 'already' },
    ]);
    const other = await call(sampler, 'POST', '/api/testing/boxes', {
      round_id: roundId,
      box: 'BOX-0009',
      tubes: ['T0000002'],
    });
    expect(other.json().items[0]).toMatchObject({ status: 'rejected', code: 'transition_invalid' });
    const kept = await ctx.db.query("SELECT 1 FROM boxes WHERE barcode = 'BOX-0009'");
    expect(kept.rows).toHaveLength(0); // refused entirely: no empty box left behind
    // A box for a round that does not exist (or another round than its first tube's) is refused, not a 500.
    for (const round_id of [roundId + 999, 9_000_000_000]) {
      const wrong = await call(sampler, 'POST', '/api/testing/boxes', {
        round_id,
        box: 'BOX-0010',
        tubes: ['T0000002'],
      });
      expect(wrong.statusCode).toBe(409);
      expect(wrong.json().error.code).toBe('tube_other_round');
    }
    expect((await ctx.db.query("SELECT 1 FROM boxes WHERE barcode = 'BOX-0010'")).rows).toHaveLength(0);
    const receiveEarly = await call(lab, 'POST', '/api/testing/boxes/BOX-0001/receive', { lab_id: 1 });
    expect(receiveEarly.statusCode).toBe(409);
    expect(receiveEarly.json().error.code).toBe('transition_invalid');
    expect((await call(sampler, 'POST', '/api/testing/boxes/BOX-0001/ship')).json()).toEqual({ tubes: 2 });
    // The lab's desk: the box waits in transit, oldest first; a lab user of another district sees nothing of it.
    const otherDistrict = await ctx.db.query<{ code: string }>(
      'SELECT code FROM areas WHERE length(code) = 6 AND code <> $1 ORDER BY code LIMIT 1',
      [community.slice(0, 6)],
    );
    const elsewhere = await loginAs(app, ctx.db, 'lab', otherDistrict.rows[0]?.code as string);
    const inTransit = (await call(lab, 'GET', '/api/testing/boxes?status=in_transit')).json();
    expect(inTransit.items.find((b: { barcode: string }) => b.barcode === 'BOX-0001')).toMatchObject({
      tubes: 2,
      round: '第8轮全员核酸',
      status: 'in_transit',
    });
    expect(inTransit.total).toBe(inTransit.items.length);
    expect((await call(elsewhere, 'GET', '/api/testing/boxes?status=in_transit')).json()).toEqual({
      items: [],
      total: 0,
    });
    expect((await call(lab, 'POST', '/api/testing/boxes/BOX-0001/receive', { lab_id: 1 })).json()).toEqual({
      tubes: 2,
    });
    expect((await call(sampler, 'POST', '/api/testing/boxes/BOX-0001/ship')).statusCode).toBe(409);
    expect((await call(lab, 'GET', '/api/testing/boxes?status=in_transit')).json().total).toBe(0);
    const received = (await call(lab, 'GET', '/api/testing/boxes?status=received')).json().items;
    expect(received.map((b: { barcode: string; lab: string }) => b.barcode)).toEqual(['BOX-0001']);
    expect(received[0].lab).toBeTruthy();
    // Its tubes wait for their results, due the testing budget (6 h) after receipt.
    const pending = (await call(lab, 'GET', '/api/testing/tubes/pending')).json();
    expect(pending.budget_hours).toBe(6);
    expect(pending.items.map((t: { barcode: string }) => t.barcode).sort()).toEqual(['T0000001', 'T0000002']);
    for (const t of pending.items)
      expect(new Date(t.due_at).getTime() - new Date(t.received_at).getTime()).toBe(6 * 3600_000);
    expect((await call(lab, 'GET', '/api/testing/tubes/pending?lab_id=2')).json().total).toBe(0);
    expect((await call(elsewhere, 'GET', '/api/testing/tubes/pending')).json().total).toBe(0);
    const labs = (await call(lab, 'GET', '/api/testing/labs')).json().items;
    expect(labs.find((l: { id: number }) => l.id === 1)).toMatchObject({
      pending: 2,
      received_today: 2,
      late: 0,
    });
    expect(
      (await call(elsewhere, 'GET', '/api/testing/labs'))
        .json()
        .items.find((l: { id: number }) => l.id === 1),
    ).toMatchObject({ pending: 0, received_today: 0 });
  });

  it('records results idempotently, flags conflicts, and follows up a positive pool at once', async () => {
    clock.set('2022-03-14T12:00:00Z');
    const results = [
      {
        tube: 'T0000001',
        result: 'positive',
        ct: { ORF1ab: 31.5, N: 30.2 },
        tested_at: '2022-03-14T11:30:00Z',
      },
      { tube: 'T0000002', result: 'negative', tested_at: '2022-03-14T11:30:00Z' },
      { tube: 'T0404040', result: 'negative', tested_at: '2022-03-14T11:30:00Z' },
    ];
    const res = await call(lab, 'POST', '/api/testing/results', { items: results });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((i: { status: string }) => i.status)).toEqual([
      'recorded',
      'recorded',
      'rejected',
    ]);
    expect(res.json().follow_up).toMatchObject({ positivePools: 1, held: 10, retestTasks: 10 });
    const again = (await call(lab, 'POST', '/api/testing/results', { items: results.slice(0, 2) })).json();
    expect(again.items.map((i: { status: string }) => i.status)).toEqual(['duplicate', 'duplicate']);
    const conflict = (
      await call(lab, 'POST', '/api/testing/results', {
        items: [{ tube: 'T0000002', result: 'positive', tested_at: '2022-03-14T11:45:00Z' }],
      })
    ).json();
    expect(conflict.items[0].status).toBe('conflict');
    const t2 = await ctx.db.query<{ result: string; result_conflict: boolean }>(
      "SELECT result, result_conflict FROM tubes WHERE barcode = 'T0000002'",
    );
    expect(t2.rows[0]).toEqual({ result: 'negative', result_conflict: true }); // the first result stands
    const badCt = (
      await call(lab, 'POST', '/api/testing/results', {
        items: [{ tube: 'T0000002', result: 'negative', ct: { N: 99 }, tested_at: '2022-03-14T11:50:00Z' }],
      })
    ).json();
    expect(badCt.items[0].code).toBe('ct_invalid');

    const tasks = (await call(cmd, 'GET', `/api/tasks?kind=retest_single_tube&area=${community}`)).json()
      .items;
    expect(tasks).toHaveLength(10);
    expect(new Date(tasks[0].due_at).toISOString()).toBe('2022-03-14T16:00:00.000Z');
    const held = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM person_risk WHERE risk_status = 'pool_held'",
    );
    expect(held.rows[0]?.n).toBe(10);
  });

  it("empties the lab's desk as results come in, and counts them as today's", async () => {
    expect((await call(lab, 'GET', '/api/testing/tubes/pending')).json().total).toBe(0);
    const labs = (await call(lab, 'GET', '/api/testing/labs')).json().items;
    expect(labs.find((l: { id: number }) => l.id === 1)).toMatchObject({ pending: 0, resulted_today: 2 });
  });

  it('turns a positive single-tube re-test into a confirmed positive, and a negative one into a release', async () => {
    clock.set('2022-03-14T15:05:00Z'); // after every time this test sends: results and reports from the future are refused
    const a = people[0] as { id: number };
    const b = people[1] as { id: number };
    const at = '2022-03-14T13:00:00Z';
    const scans = await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
      items: [
        {
          key: `retest-${String(a.id).padStart(8, '0')}`,
          tube: 'S0000001',
          person_id: a.id,
          point_id: pointId,
          scanned_at: at,
          pool_size: 1,
        },
        {
          key: `retest-${String(b.id).padStart(8, '0')}`,
          tube: 'S0000002',
          person_id: b.id,
          point_id: pointId,
          scanned_at: at,
          pool_size: 1,
        },
      ],
    });
    expect(scans.json().items.map((i: { tubeStatus: string }) => i.tubeStatus)).toEqual(['closed', 'closed']);
    await call(sampler, 'POST', '/api/testing/boxes', {
      round_id: roundId,
      box: 'BOX-0002',
      tubes: ['S0000001', 'S0000002'],
    });
    await call(sampler, 'POST', '/api/testing/boxes/BOX-0002/ship');
    await call(lab, 'POST', '/api/testing/boxes/BOX-0002/receive', { lab_id: 1 });
    const res = (
      await call(lab, 'POST', '/api/testing/results', {
        items: [
          { tube: 'S0000001', result: 'positive', ct: { ORF1ab: 28 }, tested_at: '2022-03-14T15:00:00Z' },
          { tube: 'S0000002', result: 'negative', tested_at: '2022-03-14T15:00:00Z' },
        ],
      })
    ).json();
    expect(res.follow_up).toMatchObject({ positivePersons: 1, unheld: 1 });
    const st = await ctx.db.query<{ id: number; risk_status: string }>(
      `SELECT p.id, coalesce(r.risk_status, 'none') AS risk_status FROM persons p LEFT JOIN person_risk r ON r.person_id = p.id WHERE p.id = ANY($1::int8[]) ORDER BY p.id`,
      [[a.id, b.id]],
    );
    expect(st.rows.map((r) => r.risk_status)).toEqual(['case', 'none']);
    const ev = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM events WHERE type = 'testing.person_positive' AND subject_id = $1",
      [a.id],
    );
    expect(ev.rows[0]?.n).toBe(1);
    const open = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM tasks WHERE status = 'open' AND person_id = ANY($1::int8[])",
      [[a.id, b.id]],
    );
    expect(open.rows[0]?.n).toBe(0);
  });

  it('shows coverage and the door-knocking list, inside the jurisdiction only', async () => {
    const cov = (
      await call(cmd, 'GET', `/api/testing/rounds/${roundId}/coverage?area=${community.slice(0, 9)}`)
    ).json();
    const row = cov.items.find((x: { code: string }) => x.code === community);
    expect(row).toMatchObject({ residents: people.length, sampled: 14, tubes: 5, positive_tubes: 2 });
    expect(row.stages.map((x: { stage: string }) => x.stage)).toEqual([
      'collect',
      'transport',
      'test',
      'report',
    ]);
    expect(row.stages[0]).toMatchObject({ done: 14, total: people.length, status: 'on_time' });
    // Below the point's level people count at home: the grids of the community add up to it.
    const grids = (await call(cmd, 'GET', `/api/testing/rounds/${roundId}/coverage?area=${community}`)).json()
      .items as { code: string; residents: number; sampled: number }[];
    const sampledIn = (g: string) =>
      [...people.slice(0, 13), people[14] as { area_code: string }].filter((p) => p.area_code.startsWith(g))
        .length;
    expect(grids.reduce((a, g) => a + g.sampled, 0)).toBe(14);
    for (const g of grids) expect(g.sampled, g.code).toBe(sampledIn(g.code));
    // Other streets of the district are not in the round: no residents to sample there.
    const district = (
      await call(cmd, 'GET', `/api/testing/rounds/${roundId}/coverage?area=${community.slice(0, 6)}`)
    ).json().items as { code: string; in_round: boolean; residents: number }[];
    for (const d of district) expect(d.in_round ? d.residents > 0 : d.residents === 0, d.code).toBe(true);
    const grid = people[20]?.area_code as string;
    const list = (await call(cmd, 'GET', `/api/testing/rounds/${roundId}/unsampled?area=${grid}`)).json()
      .items;
    const listed = list.flatMap((h: { members: { id: number }[] }) => h.members.map((m) => m.id));
    const sampledIds = new Set([...people.slice(0, 13), people[14] as { id: number }].map((p) => p.id));
    expect(listed.some((id: number) => sampledIds.has(id))).toBe(false);
    expect(listed.length).toBe(people.filter((p) => p.area_code === grid && !sampledIds.has(p.id)).length);
    // The whole list as a file: one row per resident, by household, in words, in the list's order.
    const file = await call(
      cmd,
      'GET',
      `/api/testing/rounds/${roundId}/unsampled/export?area=${grid}&format=csv`,
    );
    expect(file.statusCode, file.body).toBe(200);
    const lines = file.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('户号,地址,姓名,年龄,所在区域,特殊人群,风险状态');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(
      list.flatMap((h: { members: { name: string }[] }) => h.members.map((m) => m.name)),
    );
    expect(lines.slice(1).join('\n')).not.toMatch(/normal|elderly|child|\b22\d{4}/);
    // Asked for the whole district, the list holds only the round's residents (it once listed the district's).
    const wide = (
      await call(
        cmd,
        'GET',
        `/api/testing/rounds/${roundId}/unsampled?area=${community.slice(0, 6)}&limit=2000`,
      )
    ).json().items as { members: { area_code: string }[] }[];
    expect(wide.length).toBeGreaterThan(0);
    for (const h of wide)
      for (const m of h.members)
        expect(m.area_code.startsWith(community.slice(0, 9)), m.area_code).toBe(true);
    const elsewhere = await loginAs(app, ctx.db, 'commander', '220203');
    const none = (
      await call(elsewhere, 'GET', `/api/testing/rounds/${roundId}/unsampled?area=${grid}`)
    ).json();
    expect(none.items).toEqual([]);
    expect((await call(sampler, 'GET', `/api/tasks`)).statusCode).toBe(403);
  });

  it('takes antigen self-reports idempotently and asks for PCR confirmation of positives', async () => {
    clock.set('2022-03-14T16:05:00Z'); // after every time this test sends: results and reports from the future are refused
    const p = people[30] as { id: number };
    const body = {
      items: [
        { key: 'ag-000000001', person_id: p.id, result: 'positive', reported_at: '2022-03-14T16:00:00Z' },
      ],
    };
    expect((await call(sampler, 'POST', '/api/testing/antigen', body)).json().items[0]).toMatchObject({
      status: 'accepted',
      task: 'pcr_confirm',
    });
    expect((await call(sampler, 'POST', '/api/testing/antigen', body)).json().items[0].status).toBe(
      'duplicate',
    );
    const t = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM tasks WHERE kind = 'pcr_confirm' AND person_id = $1",
      [p.id],
    );
    expect(t.rows[0]?.n).toBe(1);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('plans a round from the registry and says whether it can finish in time', async () => {
    const plan = await call(cmd, 'POST', '/api/testing/rounds/plan', { areas: ['2202'] });
    expect(plan.statusCode, plan.body).toBe(200);
    const body = plan.json();
    expect(body.totals.population).toBe(50_000);
    expect(body.totals.tubes.total).toBeGreaterThanOrEqual(Math.ceil(50_000 / 20));
    expect(typeof body.verdict.feasible).toBe('boolean');
    const short = (
      await call(cmd, 'POST', '/api/testing/rounds/plan', { areas: ['2202'], samplers_available: 1 })
    ).json();
    expect(short.verdict.feasible).toBe(false);
    expect(short.verdict.shortfalls.map((x: { kind: string }) => x.kind)).toContain('samplers');
    expect(
      (await call(sampler, 'POST', '/api/testing/rounds/plan', { areas: ['2202'] })).json().error.code,
    ).toBe('out_of_jurisdiction');
  });

  it('takes results as a FHIR R4 Bundle and as a CSV export, refusing bad ones whole', async () => {
    clock.set('2022-03-14T17:55:00Z'); // after every time this test sends: results and reports from the future are refused
    const at = '2022-03-14T17:00:00Z';
    const ids = people.slice(40, 42).map((p) => p.id);
    await call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
      items: ids.map((id, i) => ({
        key: `fhir-scan-${id}`,
        tube: `F000000${i}`,
        person_id: id,
        point_id: pointId,
        scanned_at: at,
        pool_size: 1,
      })),
    });
    await call(sampler, 'POST', '/api/testing/boxes', {
      round_id: roundId,
      box: 'BOX-0003',
      tubes: ['F0000000', 'F0000001'],
    });
    await call(sampler, 'POST', '/api/testing/boxes/BOX-0003/ship');
    await call(lab, 'POST', '/api/testing/boxes/BOX-0003/receive', { lab_id: 1 });
    const bundle = buildFhirResultsBundle([
      {
        tubeBarcode: 'F0000000',
        result: 'negative',
        ct: {},
        testedAt: '2022-03-14T17:50:00.000Z',
        sourceRef: '',
      },
    ]);
    const fhir = await call(lab, 'POST', '/api/testing/results/fhir', bundle);
    expect(fhir.statusCode, fhir.body).toBe(200);
    expect(fhir.json().items).toEqual([{ tube: 'F0000000', status: 'recorded', source: 'Bundle.entry[0]' }]);
    const bad = await call(lab, 'POST', '/api/testing/results/fhir', { resourceType: 'Patient' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].code).toBe('fhir_not_bundle');

    const form = (text: string) => {
      const f = new FormData();
      f.append('file', new Blob([text], { type: 'text/csv' }), 'lis.csv');
      return f;
    };
    const badCsv = await call(
      lab,
      'POST',
      '/api/testing/results/file',
      form('试管条码,检测结果,检测时间\nF0000001,也许,2022-03-14 18:00\n'),
    );
    expect(badCsv.statusCode).toBe(422);
    expect(badCsv.json().error.details[0]).toMatchObject({ line: 2, code: 'result_invalid' });
    const csv = await call(
      lab,
      'POST',
      '/api/testing/results/file',
      form('试管条码,检测结果,检测时间,ORF1ab Ct,N基因\nF0000001,阳性,2022-03-15 01:50,30.5,29.8\n'),
    );
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.json()).toMatchObject({
      rows: 1,
      outcomes: [{ tube: 'F0000001', status: 'recorded', line: 2 }],
      followUp: { positivePersons: 1 },
    });
    const ct = await ctx.db.query<{ ct: Record<string, number>; tested_at: Date }>(
      "SELECT r.ct, r.tested_at FROM tube_results r JOIN tubes t ON t.id = r.tube_id WHERE t.barcode = 'F0000001'",
    );
    expect(ct.rows[0]).toEqual({
      ct: { ORF1ab: 30.5, N: 29.8 },
      tested_at: new Date('2022-03-14T17:50:00Z'),
    }); // Beijing time
  });
  it('fills a tube at one sampling point only (a scan from another point, maybe another district, is refused)', async () => {
    const other = await ctx.db.query<{ id: number }>(
      'SELECT id FROM sampling_points WHERE round_id = $1 AND id <> $2 ORDER BY id LIMIT 1',
      [roundId, pointId],
    );
    const elsewhere = other.rows[0]?.id as number;
    expect(elsewhere).toBeDefined();
    const citySampler = await loginAs(app, ctx.db, 'sampler', '2202'); // may scan at both points
    const scan = (key: string, point_id: number, person: number) =>
      call(citySampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
        items: [
          {
            key,
            tube: 'PT000001',
            person_id: people[person]?.id,
            point_id,
            scanned_at: '2022-03-14T17:30:00Z',
          },
        ],
      });
    const here = await scan('point-here-0001', pointId, 52);
    expect(here.json().items?.[0]?.status, here.body).toBe('accepted');
    const there = (await scan('point-there-001', elsewhere, 53)).json().items[0];
    expect(there).toMatchObject({ status: 'rejected', code: 'tube_other_point' });
    const members = await ctx.db.query<{ members: number }>(
      "SELECT members FROM tubes WHERE barcode = 'PT000001'",
    );
    expect(members.rows[0]?.members).toBe(1);
  });

  it('refuses impossible times (not a time, before 2019-12, a day ahead, a result before its sample)', async () => {
    const scan = (scanned_at: unknown, key: string) =>
      call(sampler, 'POST', `/api/testing/rounds/${roundId}/scans`, {
        items: [
          { key, tube: 'TIME0001', person_id: people[50]?.id, point_id: pointId, scanned_at, pool_size: 1 },
        ],
      });
    for (const bad of [
      true,
      0,
      '0000-01-01T00:00:00Z',
      '1970-01-01T00:00:00Z',
      '2022-02-30T10:00:00Z',
      'now',
    ]) {
      const r = await scan(bad, `time-bad-${String(bad).replace(/\W/g, '')}`);
      expect(r.statusCode, String(bad)).toBe(400);
      expect(r.json().error.code).toBe('validation_failed');
    }
    const ahead = await scan('2031-01-01T00:00:00Z', 'time-ahead-2031');
    expect(ahead.json().items[0]).toMatchObject({ status: 'rejected', code: 'scanned_at_future' });
    expect((await ctx.db.query("SELECT 1 FROM tubes WHERE barcode = 'TIME0001'")).rows).toHaveLength(0);
    // Results: F0000000 was sampled at 17:00 on 2022-03-14.
    const results = await call(lab, 'POST', '/api/testing/results', {
      items: [
        { tube: 'F0000000', result: 'positive', tested_at: '2019-09-14T17:00:00Z' },
        { tube: 'F0000000', result: 'positive', tested_at: '2031-03-14T17:00:00Z' },
      ],
    });
    expect(results.statusCode).toBe(400); // 2019-09 is before any possible time
    const results2 = await call(lab, 'POST', '/api/testing/results', {
      items: [
        { tube: 'F0000000', result: 'positive', tested_at: '2020-09-14T17:00:00+08:00' },
        { tube: 'F0000000', result: 'positive', tested_at: '2031-03-14T17:00:00Z' },
      ],
    });
    expect(results2.json().items.map((i: { code: string }) => i.code)).toEqual([
      'tested_before_sampling',
      'tested_at_future',
    ]);
    const stored = await ctx.db.query(
      "SELECT 1 FROM tube_results r JOIN tubes t ON t.id = r.tube_id WHERE t.barcode = 'F0000000'",
    );
    expect(stored.rows).toHaveLength(1);
    const antigen = await call(sampler, 'POST', '/api/testing/antigen', {
      items: [
        {
          key: 'ag-future-0001',
          person_id: people[30]?.id,
          result: 'negative',
          reported_at: '2030-01-01T00:00:00Z',
        },
      ],
    });
    expect(antigen.json().items[0]).toMatchObject({ status: 'rejected', code: 'reported_at_future' });
  });

  it('answers each of many concurrent phones exactly, sharing batches, never double counting', async () => {
    const used = new Set(
      [...people.slice(0, 15), people[30], people[40], people[41]].map((p) => (p as { id: number }).id),
    );
    const group = people.filter((p) => !used.has(p.id)).slice(0, 20);
    expect(group).toHaveLength(20);
    const other = await loginAs(app, ctx.db, 'sampler', community);
    const at = '2022-03-14T17:10:00Z';
    const requests = group.map((p, i) =>
      call(i % 2 === 0 ? sampler : other, 'POST', `/api/testing/rounds/${roundId}/scans`, {
        items: [
          {
            key: `burst-${String(i < 19 ? i : 0).padStart(6, '0')}`,
            tube: `C000000${i % 2}`,
            person_id: p.id,
            point_id: pointId,
            scanned_at: at,
            pool_size: 20,
          },
        ],
      }),
    );
    const answers = (await Promise.all(requests)).map((r) => r.json().items[0]);
    expect(answers.filter((a: { status: string }) => a.status === 'accepted')).toHaveLength(19);
    expect(answers.filter((a: { status: string }) => a.status === 'duplicate')).toHaveLength(1);
    // The first and the last request share a key: whichever the server saw first is accepted, the other a duplicate.
    expect([answers[0].status, answers[19].status].sort()).toEqual(['accepted', 'duplicate']);
    const members = await ctx.db.query<{ n: number }>(
      "SELECT sum(members)::int8 AS n FROM tubes WHERE barcode IN ('C0000000', 'C0000001')",
    );
    expect(members.rows[0]?.n).toBe(19);
    const byWho = await ctx.db.query<{ sampler: string; n: number }>(
      "SELECT sampler, count(*) AS n FROM scans WHERE idempotency_key LIKE 'burst-%' GROUP BY sampler ORDER BY sampler",
    );
    expect(byWho.rows.map((r) => r.n).sort((x, y) => x - y)).toEqual([9, 10]); // each scan keeps its own sampler
  });

  it('writes a key sent twice at once, in two batches written together, once (the other answer: duplicate)', async () => {
    // People the tests above have not sampled (0-35, 40 and 41 are theirs).
    const free = people.filter((_, i) => i >= 36 && i !== 40 && i !== 41);
    expect(free.length).toBeGreaterThanOrEqual(20);
    const scans = new ScanCoalescer(ctx.db, clock);
    for (let j = 0; j < 10; j++) {
      // One key, two tubes (so neither batch waits on the other's tube lock), sent in the same tick: the
      // coalescer writes them as two batches at once.
      const [a, b] = [0, 1].map((side) =>
        scans.submit(roundId, 10, [
          {
            key: `twice-${String(j).padStart(6, '0')}`,
            tube: `R${String(j).padStart(5, '0')}${side}`,
            personId: (free[2 * j + side] as { id: number }).id,
            pointId,
            scannedAt: new Date('2022-03-14T17:20:00Z'),
            poolSize: 10,
            sampler: `phone-${side}`,
          },
        ]),
      );
      const answers = await Promise.all([a, b]);
      expect(answers.map((x) => x?.[0]?.status).sort()).toEqual(['accepted', 'duplicate']);
    }
    const stored = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM scans WHERE idempotency_key LIKE 'twice-%'",
    );
    expect(stored.rows[0]?.n).toBe(10);
  });

  it('samples by the zone of each point: a control zone makes its new tubes 10 in 1', async () => {
    await ctx.db.transaction((tx) =>
      setZone(tx, clock, { areaCode: community, level: 'control', reason: 'cases found', by: 'test' }, ''),
    );
    const res = await call(cmd, 'POST', '/api/testing/rounds', {
      name: 'zoned',
      areas: [community.slice(0, 9)],
    });
    const zoned = res.json().id as number;
    const points = (await call(sampler, 'GET', `/api/testing/rounds/${zoned}/points`)).json().items as {
      id: number;
      area_code: string;
      zone: string | null;
      mode: string;
      pool_size: number;
    }[];
    const inZone = points.find((x) => x.area_code === community);
    expect(inZone).toMatchObject({ zone: 'control', mode: 'pooled', pool_size: 10 });
    const outside = points.find((x) => x.area_code !== community);
    if (outside) expect(outside).toMatchObject({ zone: null, pool_size: 20 });
    const scan = await call(sampler, 'POST', `/api/testing/rounds/${zoned}/scans`, {
      items: people.slice(0, 10).map((p) => ({
        key: `zoned-${String(p.id).padStart(8, '0')}`,
        tube: 'TZ000001',
        person_id: p.id,
        point_id: inZone?.id,
        scanned_at: '2022-03-14T07:00:00Z',
      })),
    });
    expect(scan.statusCode, scan.body).toBe(200);
    const tube = await ctx.db.query<{ pool_size: number; status: string }>(
      "SELECT pool_size, status FROM tubes WHERE barcode = 'TZ000001'",
    );
    expect(tube.rows[0]).toEqual({ pool_size: 10, status: 'closed' }); // full at 10: closed by itself
  });

  it('registers a scan file from a sampler: zone pools, jurisdiction, line-by-line answers, and a second upload counts nothing', async () => {
    const created = await call(cmd, 'POST', '/api/testing/rounds', {
      name: 'file round',
      areas: [community.slice(0, 9)],
    });
    const rid = created.json().id as number;
    const pts = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM sampling_points WHERE round_id = $1 ORDER BY id',
      [rid],
    );
    const mine = pts.rows.find((p) => p.area_code === community) as { id: number };
    const elsewhere = pts.rows.find((p) => p.area_code !== community);
    expect(elsewhere).toBeDefined();
    const lines = people
      .slice(0, 12)
      .map(
        (p, i) =>
          `file-${String(p.id).padStart(8, '0')},TF${String(Math.floor(i / 10)).padStart(6, '0')},${p.id},${mine.id},2022-03-14 15:0${i % 10}`,
      );
    lines.push(`file-elsewhere-1,TF999999,${people[20]?.id},${elsewhere?.id},2022-03-14 15:00`);
    const form = (text: string | Uint8Array, name = 'scans.csv') => {
      const f = new FormData();
      f.append('file', new Blob([text], { type: 'text/csv' }), name);
      return f;
    };
    const body = ['采样记录号,试管条码,人员编号,采样点编号,采样时间', ...lines].join('\n');
    const url = `/api/testing/rounds/${rid}/scans/file`;
    const up = await call(sampler, 'POST', url, form(body));
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json()).toMatchObject({
      rows: 13,
      accepted: 12,
      rejected: 1,
      tubes_opened: 2,
      tubes_closed: 1,
      problems: [{ line: 14, code: 'point_out_of_scope' }],
    });
    // The point is in a control zone (set above): its tubes are 10 in 1, and the first closed at its tenth scan.
    const tube = await ctx.db.query<{ pool_size: number; status: string; members: number }>(
      "SELECT pool_size, status, members FROM tubes WHERE barcode = 'TF000000'",
    );
    expect(tube.rows[0]).toEqual({ pool_size: 10, status: 'closed', members: 10 });
    const again = await call(sampler, 'POST', url, form(body));
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 12, rejected: 1 });
    const audit = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'testing.scans_imported' AND subject_id = $1",
      [String(rid)],
    );
    expect(audit.rows[0]?.n).toBe(2);
    expect((await call(lab, 'POST', url, form(body))).statusCode).toBe(403);
    const xls = await call(sampler, 'POST', url, form(body, 'scans.xls'));
    expect([xls.statusCode, xls.json().error.code]).toEqual([415, 'file_unsupported']);
    const gbk = await call(
      sampler,
      'POST',
      url,
      form(new Uint8Array([...Buffer.from('tube,person_id,point_id,scanned_at\n'), 0xd5, 0xc5, 10])),
    );
    expect([gbk.statusCode, gbk.json().error.code, gbk.json().error.details]).toEqual([
      400,
      'file_encoding',
      { line: 2 },
    ]);
    const none = await call(sampler, 'POST', '/api/testing/rounds/999999/scans/file', form(body));
    expect(none.statusCode).toBe(404);
  });

  it('takes an area named twice in a round once (was a 500 from round_areas_pkey, found by the fuzz test)', async () => {
    const street = community.slice(0, 9);
    const once = await call(cmd, 'POST', '/api/testing/rounds', { name: '一次', areas: [street] });
    const twice = await call(cmd, 'POST', '/api/testing/rounds', {
      name: '重复',
      areas: [street, community, street, community],
    });
    expect(twice.statusCode, twice.body).toBe(200);
    const { rows } = await ctx.db.query<{ area_code: string }>(
      'SELECT area_code FROM round_areas WHERE round_id = $1 ORDER BY area_code',
      [twice.json().id],
    );
    expect(rows.map((r) => r.area_code)).toEqual([street, community]);
    expect(twice.json().sampling_points).toBe(once.json().sampling_points);
  });

  it('refuses a round dated far from now, and closes a round once, after which its scans are refused', async () => {
    const street = community.slice(0, 9);
    const old = await call(cmd, 'POST', '/api/testing/rounds', {
      name: '2020 年的轮次',
      areas: [street],
      starts_at: '2020-03-14T08:00:00+08:00',
    });
    expect(old.statusCode).toBe(400);
    expect(old.json().error.code).toBe('round_start_implausible');
    const round = (
      await call(cmd, 'POST', '/api/testing/rounds', { name: '待结束', areas: [community] })
    ).json();
    const point = (await call(sampler, 'GET', `/api/testing/rounds/${round.id}/points`))
      .json()
      .items.find((x: { area_code: string }) => x.area_code === community);
    // Another district's commander does not see it (not found), a sampler may not close it, a reason is needed.
    const elsewhere = await loginAs(
      app,
      ctx.db,
      'commander',
      community.startsWith('220203') ? '220202' : '220203',
    );
    const foreign = await call(elsewhere, 'POST', `/api/testing/rounds/${round.id}/close`, {
      reason: '越权结束',
    });
    expect(foreign.statusCode).toBe(404);
    expect(
      (await call(sampler, 'POST', `/api/testing/rounds/${round.id}/close`, { reason: '结束' })).statusCode,
    ).toBe(403);
    expect((await call(cmd, 'POST', `/api/testing/rounds/${round.id}/close`, {})).statusCode).toBe(400);
    const closed = await call(cmd, 'POST', `/api/testing/rounds/${round.id}/close`, {
      reason: '本轮采样完成',
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().status).toBe('closed');
    const again = await call(cmd, 'POST', `/api/testing/rounds/${round.id}/close`, {
      reason: '本轮采样完成',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('round_closed');
    const listed = (await call(cmd, 'GET', '/api/testing/rounds'))
      .json()
      .items.find((r: { id: number }) => r.id === round.id);
    expect(listed).toMatchObject({ status: 'closed', close_reason: '本轮采样完成' });
    const person = people[0] as { id_number: string };
    const scan = await call(sampler, 'POST', `/api/testing/rounds/${round.id}/scans`, {
      items: [
        {
          key: 'closed-round-1',
          tube: 'T9000001',
          id_number: person.id_number,
          point_id: point.id,
          scanned_at: clock.now().toISOString(),
        },
      ],
    });
    expect(scan.json().items[0]).toMatchObject({ status: 'rejected', code: 'round_closed' });
    const audit = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'testing.round_closed' AND subject_id = $1",
      [String(round.id)],
    );
    expect(audit.rows[0]?.n).toBe(1);
  });
});
