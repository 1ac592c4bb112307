/** FHIR bundles through the API, as a lab's system sends them: one unit, every problem named, FHIR answers. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../../db/testing.ts';
import { ManualClock } from '../../../domain/clock.ts';
import { buildApp } from '../../../server/app.ts';
import { loginAs, type TestSession } from '../../../server/test-auth.ts';
import { seedCity } from '../../registry/seed-city.ts';
import { fhirOptionsFromEnv } from './ingest.ts';
import { ID_NUMBER_SYSTEM, LOINC_SYSTEM, SNOMED_SYSTEM, TUBE_BARCODE_SYSTEM } from './parse-results.ts';
import { fixture } from './test-fixtures.ts';

const clock = new ManualClock('2022-03-14T06:00:00Z');
const DETECTED = { coding: [{ system: SNOMED_SYSTEM, code: '260373001' }] };
const NOT_DETECTED = { coding: [{ system: LOINC_SYSTEM, code: 'LA11883-8', display: 'Not detected' }] };

function pcr(tube: string, value: object, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC_SYSTEM, code: '94500-6' }] },
    specimen: { identifier: { system: TUBE_BARCODE_SYSTEM, value: tube } },
    effectiveDateTime: '2022-03-14T17:30:00+00:00',
    valueCodeableConcept: value,
    ...extra,
  };
}

function message(...resources: object[]) {
  return {
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        resource: {
          resourceType: 'MessageHeader',
          eventCoding: { code: 'R01' },
          source: { endpoint: 'urn:lis' },
        },
      },
      { resource: { resourceType: 'Organization', id: 'lab', name: '昌邑区检测实验室' } },
      ...resources.map((resource) => ({ resource })),
    ],
  };
}

describeBackends('FHIR results through the API', (ctx) => {
  let app: FastifyInstance;
  let lab: TestSession;
  let otherLab: TestSession;
  let people: { id: number; id_number: string }[];
  let community: string;
  const post = (s: TestSession, url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { ...s.headers, ...headers }, payload: payload as never });
  const count = async (sql: string) => Number((await ctx.db.query<{ n: number }>(sql)).rows[0]?.n);

  beforeAll(async () => {
    clock.set('2022-03-14T06:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 20_000, seed: 5, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const c = await ctx.db.query<{ code: string }>(
      'SELECT left(area_code, 12) AS code FROM persons GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    );
    community = c.rows[0]?.code as string;
    const other = await ctx.db.query<{ code: string }>(
      'SELECT code FROM areas WHERE level = 3 AND code <> $1 ORDER BY code LIMIT 1',
      [community.slice(0, 6)],
    );
    people = (
      await ctx.db.query<{ id: number; id_number: string }>(
        'SELECT id, id_number FROM persons WHERE starts_with(area_code, $1) ORDER BY id LIMIT 20',
        [community],
      )
    ).rows.map((p) => ({ id: Number(p.id), id_number: p.id_number }));
    const cmd = await loginAs(app, ctx.db, 'commander', '2202');
    const sampler = await loginAs(app, ctx.db, 'sampler', community);
    lab = await loginAs(app, ctx.db, 'lab', community.slice(0, 6));
    const round = await post(cmd, '/api/testing/rounds', { name: 'FHIR', areas: [community.slice(0, 9)] });
    const roundId = round.json().id;
    const points = await app.inject({
      method: 'GET',
      url: `/api/testing/rounds/${roundId}/points`,
      headers: sampler.headers,
    });
    const pointId = points.json().items.find((x: { area_code: string }) => x.area_code === community).id;
    clock.set('2022-03-14T07:30:00Z');
    const tubes = ['FH000001', 'FH000002', 'FH000003', 'FH000004', 'FH000005', 'FH000006'];
    const scans = await post(sampler, `/api/testing/rounds/${roundId}/scans`, {
      items: tubes.map((tube, i) => ({
        key: `fhir-scan-${i}`,
        tube,
        person_id: people[i]?.id,
        point_id: pointId,
        scanned_at: '2022-03-14T07:00:00Z',
        pool_size: 1,
      })),
    });
    expect(scans.statusCode, scans.body).toBe(200);
    expect(
      (await post(sampler, '/api/testing/boxes', { round_id: roundId, box: 'FHBOX1', tubes })).statusCode,
    ).toBe(200);
    await post(sampler, '/api/testing/boxes/FHBOX1/ship', undefined);
    const rec = await post(lab, '/api/testing/boxes/FHBOX1/receive', { lab_id: 1 });
    expect(rec.statusCode, rec.body).toBe(200);
    clock.set('2022-03-14T18:00:00Z'); // sessions idle since the morning have expired: log in again
    lab = await loginAs(app, ctx.db, 'lab', community.slice(0, 6));
    otherLab = await loginAs(app, ctx.db, 'lab', other.rows[0]?.code as string);
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a bundle whole when one tube is unknown, naming the entry; nothing is written', async () => {
    const before = await count('SELECT count(*)::int AS n FROM tube_results');
    const res = await post(
      lab,
      '/api/testing/results/fhir',
      message(pcr('FH000001', DETECTED), pcr('NOPE0001', NOT_DETECTED)),
    );
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'fhir_rejected',
      details: [{ path: 'Bundle.entry[3].resource', code: 'tube_unknown' }],
      warnings: [{ code: 'fhir_ignored_resource', count: 1 }],
    });
    expect(await count('SELECT count(*)::int AS n FROM tube_results')).toBe(before);
    expect(
      await count("SELECT count(*)::int AS n FROM tubes WHERE barcode = 'FH000001' AND result IS NOT NULL"),
    ).toBe(0);
  });

  it('takes application/fhir+json and answers FHIR clients with an OperationOutcome', async () => {
    const ok = await post(
      lab,
      '/api/testing/results/fhir',
      JSON.stringify(message(pcr('FH000002', NOT_DETECTED))),
      { 'content-type': 'application/fhir+json' },
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(ok.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'information', diagnostics: expect.stringMatching(/^recorded 1, duplicate 0/) },
        { severity: 'warning', details: { coding: [{ code: 'fhir_ignored_resource' }] } },
      ],
    });
    const refused = await post(
      lab,
      '/api/testing/results/fhir',
      JSON.stringify(
        message(
          pcr('FH000003', { text: 'maybe' }),
          pcr('FH000004', DETECTED, { effectiveDateTime: 'yesterday' }),
        ),
      ),
      { 'content-type': 'application/fhir+json; fhirVersion=4.0' },
    );
    expect(refused.statusCode).toBe(422);
    const issues = refused.json().issue.filter((i: { severity: string }) => i.severity === 'error');
    // Every problem at once, with its path.
    expect(issues.map((i: { expression: string[] }) => i.expression[0])).toEqual([
      'Bundle.entry[2].resource.valueCodeableConcept',
      'Bundle.entry[3].resource.effectiveDateTime',
    ]);
    expect(issues.map((i: { code: string }) => i.code)).toEqual(['code-invalid', 'invalid']);
  });

  it('counts a result sent again with a new issue or test time as a duplicate', async () => {
    const first = await post(
      lab,
      '/api/testing/results/fhir',
      message(pcr('FH000005', DETECTED, { issued: '2022-03-14T17:40:00Z' })),
    );
    expect(first.json().items).toMatchObject([{ tube: 'FH000005', status: 'recorded' }]);
    const again = await post(
      lab,
      '/api/testing/results/fhir',
      message(
        pcr('FH000005', DETECTED, {
          issued: '2022-03-14T17:55:00Z',
          effectiveDateTime: '2022-03-14T17:31:00Z',
        }),
      ),
    );
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().items).toMatchObject([{ tube: 'FH000005', status: 'duplicate' }]);
    expect(
      await count(
        "SELECT count(*)::int AS n FROM tube_results r JOIN tubes t ON t.id = r.tube_id WHERE t.barcode = 'FH000005'",
      ),
    ).toBe(1);
  });

  it("names the reader's and the database's problems in one answer", async () => {
    const res = await post(
      lab,
      '/api/testing/results/fhir',
      message(pcr('FH000003', DETECTED, { effectiveDateTime: 'not-a-date' }), pcr('NOPE0002', DETECTED)),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { code: string }) => d.code)).toEqual([
      'fhir_bad_time',
      'tube_unknown',
    ]);
    // Not a JSON body: 415, not a parse error.
    const text = await post(lab, '/api/testing/results/fhir', 'resourceType=Bundle', {
      'content-type': 'text/plain',
    });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('turns a conflicting second result into a review task for the testing team, and audits its completion', async () => {
    const first = await post(lab, '/api/testing/results/fhir', message(pcr('FH000003', NOT_DETECTED)));
    expect(first.json().items).toMatchObject([{ status: 'recorded' }]);
    const second = await post(lab, '/api/testing/results/fhir', message(pcr('FH000003', DETECTED)), {
      accept: 'application/fhir+json',
    });
    expect(second.statusCode, second.body).toBe(200);
    const issues = second.json().issue;
    expect(issues[0]).toMatchObject({ severity: 'information', code: 'informational' });
    expect(issues).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        code: 'informational',
        expression: ['Bundle.entry[2].resource'],
      }),
    );
    const task = await ctx.db.query<{ id: number; area_code: string; details: Record<string, string> }>(
      "SELECT t.id, t.area_code, t.details FROM tasks t JOIN tubes u ON u.id = t.subject_id WHERE t.kind = 'result_conflict' AND u.barcode = 'FH000003'",
    );
    expect(task.rows).toHaveLength(1);
    expect(task.rows[0]?.details).toMatchObject({ tube: 'FH000003', first: 'negative', second: 'positive' });
    const team = await loginAs(app, ctx.db, 'testing', community.slice(0, 6));
    const listed = await app.inject({
      method: 'GET',
      url: '/api/tasks?kind=result_conflict',
      headers: team.headers,
    });
    expect(listed.json().items.map((t: { id: number }) => Number(t.id))).toContain(Number(task.rows[0]?.id));
    const done = await post(team, `/api/tasks/${task.rows[0]?.id}/done`, { note: '复核：以阳性为准' });
    expect(done.statusCode, done.body).toBe(200);
    const audit = await ctx.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'task.completed' AND subject_id = $1",
      [String(task.rows[0]?.id)],
    );
    expect(audit.rows).toEqual([{ details: { kind: 'result_conflict', note: true } }]);
  });

  it("refuses another district's tube as unknown", async () => {
    const res = await post(otherLab, '/api/testing/results/fhir', message(pcr('FH000006', NOT_DETECTED)));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toMatchObject([{ code: 'tube_unknown' }]);
    expect(
      await count("SELECT count(*)::int AS n FROM tubes WHERE barcode = 'FH000006' AND result IS NOT NULL"),
    ).toBe(0);
  });

  it("records an antigen result for the Patient's ID number, with its PCR confirmation task", async () => {
    const person = people[10] as { id: number; id_number: string };
    const antigen = () => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOINC_SYSTEM, code: '94558-4' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2022-03-14T17:00:00+08:00',
      valueCodeableConcept: DETECTED,
    });
    const patient = (idNumber: string) => ({
      resourceType: 'Patient',
      id: 'p1',
      identifier: [
        { system: 'urn:lis:mrn', value: 'MRN-1' },
        { system: ID_NUMBER_SYSTEM, value: idNumber },
      ],
    });
    const ok = await post(lab, '/api/testing/results/fhir', message(patient(person.id_number), antigen()));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().antigen).toMatchObject([
      { status: 'accepted', task: 'pcr_confirm', source: 'Bundle.entry[3]' },
    ]);
    const again = await post(lab, '/api/testing/results/fhir', message(patient(person.id_number), antigen()));
    expect(again.json().antigen).toMatchObject([{ status: 'duplicate' }]);
    // The same person by a first-generation (15-digit) number: matched, and flagged.
    const old = people.find((x) => x.id_number.slice(6, 8) === '19' && x.id !== person.id) as {
      id: number;
      id_number: string;
    };
    const fifteen = `${old.id_number.slice(0, 6)}${old.id_number.slice(8, 17)}`;
    const flagged = await post(lab, '/api/testing/results/fhir', message(patient(fifteen), antigen()));
    expect(flagged.statusCode, flagged.body).toBe(200);
    expect(flagged.json().antigen).toMatchObject([{ status: 'accepted', flags: ['id_converted_from_15'] }]);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM tasks WHERE kind = 'pcr_confirm' AND person_id = ${person.id}`,
      ),
    ).toBe(1);
    // An ID number nobody here has, and one with a wrong check character: refused, each at its path.
    const wrong = `${person.id_number.slice(0, 17)}${person.id_number[17] === '0' ? '1' : '0'}`;
    const bad = await post(lab, '/api/testing/results/fhir', message(patient(wrong), antigen()));
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details).toMatchObject([
      { path: 'Bundle.entry[2].resource.identifier[1].value', code: 'id_check_digit' },
    ]);
  });

  /** A tube sampled an hour before `testedAt` and received by the lab; the clock then an hour after it. */
  async function tubeAt(barcode: string, testedAt: string, n: number): Promise<TestSession> {
    const t = Date.parse(testedAt);
    clock.set(new Date(t - 2 * 3600_000).toISOString());
    const cmd = await loginAs(app, ctx.db, 'commander', '2202');
    const sampler = await loginAs(app, ctx.db, 'sampler', community);
    const round = await post(cmd, '/api/testing/rounds', {
      name: `fixture ${n}`,
      areas: [community.slice(0, 9)],
    });
    expect(round.statusCode, round.body).toBe(200);
    const points = await app.inject({
      method: 'GET',
      url: `/api/testing/rounds/${round.json().id}/points`,
      headers: sampler.headers,
    });
    const pointId = points.json().items.find((x: { area_code: string }) => x.area_code === community).id;
    const scan = await post(sampler, `/api/testing/rounds/${round.json().id}/scans`, {
      items: [
        {
          key: `fixture-scan-${n}`,
          tube: barcode,
          person_id: people[12 + n]?.id,
          point_id: pointId,
          scanned_at: new Date(t - 3600_000).toISOString(),
          pool_size: 1,
        },
      ],
    });
    expect(scan.statusCode, scan.body).toBe(200);
    await post(sampler, '/api/testing/boxes', {
      round_id: round.json().id,
      box: `FXBOX${n}`,
      tubes: [barcode],
    });
    await post(sampler, `/api/testing/boxes/FXBOX${n}/ship`, undefined);
    const labNow = await loginAs(app, ctx.db, 'lab', community.slice(0, 6));
    expect((await post(labNow, `/api/testing/boxes/FXBOX${n}/receive`, { lab_id: 1 })).statusCode).toBe(200);
    clock.set(new Date(t + 3600_000).toISOString());
    return loginAs(app, ctx.db, 'lab', community.slice(0, 6));
  }

  it('records the readable bundles other programs wrote, once, against tubes sampled here', async () => {
    const cases = [
      [
        'reportstream.simplereport-multiplex-flu-covid.message.json',
        '7fc4aee2-c426-4b2b-953c-86c877ff9bd0',
        '2023-10-18T22:05:20Z',
      ],
      ['demis.cvdp-urn-uuid.document.json', '2021-000672922', '2021-03-04T19:15:00Z'],
      ['ch-elm.sars-cov-2-pcr.document.json', '28541215633', '2023-09-12T05:40:00Z'],
    ] as const;
    for (const [n, [name, tube, at]] of cases.entries()) {
      const labNow = await tubeAt(tube, at, n);
      const res = await post(labNow, '/api/testing/results/fhir', JSON.stringify(fixture(name)), {
        'content-type': 'application/fhir+json',
      });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
      expect(res.json().issue[0].diagnostics, name).toMatch(/^recorded 1, duplicate 0, conflict 0/);
      const again = await post(labNow, '/api/testing/results/fhir', fixture(name));
      expect(again.json().items, name).toMatchObject([{ tube, status: 'duplicate' }]);
      const stored = await ctx.db.query<{ result: string; status: string }>(
        'SELECT result, status FROM tubes WHERE barcode = $1',
        [tube],
      );
      expect(stored.rows, name).toEqual([{ result: 'positive', status: 'resulted' }]);
    }
  });
});

describe('fhirOptionsFromEnv', () => {
  it('reads the configured identifier systems, comma-separated', () => {
    expect(
      fhirOptionsFromEnv({ QINGCANG_FHIR_TUBE_SYSTEMS: ' urn:a , urn:b,', QINGCANG_FHIR_ID_SYSTEMS: '' }),
    ).toEqual({ tubeSystems: ['urn:a', 'urn:b'], idNumberSystems: [] });
  });
});
