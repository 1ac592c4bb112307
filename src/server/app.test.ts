import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadMigrations } from '../db/migrate.ts';
import { describeBackends } from '../db/testing.ts';
import type { Db } from '../db/types.ts';
import { ManualClock } from '../domain/clock.ts';
import { seedCity } from '../modules/registry/seed-city.ts';
import { buildApp } from './app.ts';
import { loginAs, type TestSession } from './test-auth.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');

describeBackends('HTTP API', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  const get = (url: string) => app.inject({ method: 'GET', url, headers: s.headers });
  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 2000, seed: 3, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 1000 });
    s = await loginAs(app, ctx.db, 'commander', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers health with the backend kind', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'ok',
      database: ctx.kind,
      schema_version: loadMigrations().length,
      time: '2022-03-14T08:00:00.000Z',
    });
  });

  it('serves counts, areas and masked people', async () => {
    const stats = (await get('/api/stats')).json();
    expect(stats.persons).toBe(2000);
    expect(stats.areas.communities).toBe(1778);
    const districts = (await get('/api/areas?parent=2202')).json();
    expect(districts.items.map((a: { code: string }) => a.code)).toContain('220202');
    expect(districts.items.reduce((s: number, a: { persons: number }) => s + a.persons, 0)).toBe(2000);
    const area = (await get('/api/areas/220202001001')).json();
    expect(area.path.map((a: { name: string }) => a.name)).toEqual([
      '吉林省',
      '吉林市',
      '昌邑区',
      '兴华街道',
      '东厂宅社区',
    ]);
    // Names for screens that would otherwise show codes: each with its path from the district down.
    const names = (await get('/api/areas/names?codes=220202001001,2202,220202,999999')).json().items as {
      code: string;
      name: string;
      full: string;
    }[];
    expect(Object.fromEntries(names.map((n) => [n.code, n.full]))).toEqual({
      '220202001001': '昌邑区 兴华街道 东厂宅社区',
      '2202': '吉林市',
      '220202': '昌邑区',
    });
    const tooMany = Array.from({ length: 501 }, (_, i) => `2202${String(i % 100).padStart(2, '0')}`).join(
      ',',
    );
    expect((await get(`/api/areas/names?codes=${tooMany}`)).statusCode).toBe(400);
    // The area picker's search: by name, narrowed by the words of its path, inside the jurisdiction.
    const search = await get(`/api/areas/search?q=${encodeURIComponent('兴华 东厂宅')}`);
    expect(search.statusCode, search.body).toBe(200);
    const found = search.json().items;
    expect(found[0]).toMatchObject({ code: '220202001001', full: '昌邑区 兴华街道 东厂宅社区' });
    expect(
      (await get(`/api/areas/search?q=${encodeURIComponent('东厂宅')}&under=220203`)).json().items,
    ).toEqual([]);
    expect((await get('/api/areas/search?q=')).statusCode).toBe(400);
    const page = (await get('/api/persons?area=2202&limit=5')).json();
    expect(page.items).toHaveLength(5);
    for (const p of page.items) {
      expect(p.id_number).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
      if (p.phone) expect(p.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    }
    const next = (await get(`/api/persons?area=2202&limit=5&after=${page.next_after}`)).json();
    const key = (p: { area_code: string; id: number }) => `${p.area_code}:${String(p.id).padStart(12, '0')}`;
    expect(key(next.items[0]) > key(page.items[4])).toBe(true);
    expect(next.total).toBeNull(); // the total comes with the first page
    const one = (await get(`/api/persons/${page.items[0].id}`)).json();
    expect(one.household.map((m: { id: number }) => m.id)).toContain(page.items[0].id);
  });

  it('keeps the people list’s first-page total (QINGCANG_LIST_CACHE_MS) until a change through the server', async () => {
    const cached = await buildApp({
      db: ctx.db,
      clock,
      logger: false,
      loginRateLimit: 1000,
      listCacheMs: 60_000,
    });
    try {
      const c = await loginAs(cached, ctx.db, 'commander', '2202');
      const total = async () =>
        (
          await cached.inject({
            method: 'GET',
            url: '/api/persons?area=220202&risk_status=close_contact&limit=5',
            headers: c.headers,
          })
        ).json().total as number;
      const first = await total();
      // A contact made behind the server's back (another process): the kept total does not count it yet.
      const { rows } = await ctx.db.query<{ id: number; area_code: string }>(
        `SELECT id, area_code FROM persons WHERE NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = persons.id) AND starts_with(area_code, '220202') ORDER BY id LIMIT 1`,
      );
      const person = rows[0] as { id: number; area_code: string };
      await ctx.db.query(
        `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', NULL, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
        [person.id],
      );
      expect(await total()).toBe(first);
      // A page further on has no total; another filter is counted afresh.
      const made = await cached.inject({
        method: 'POST',
        url: '/api/leaders',
        headers: c.headers,
        payload: { name: '王书记', area_code: person.area_code.slice(0, 12), function: 'testing' },
      });
      expect(made.statusCode).toBe(200);
      expect(await total()).toBe(first + 1);
      await ctx.db.query(
        `DELETE FROM person_risk WHERE person_id IN (SELECT id FROM persons WHERE id = $1)`,
        [person.id],
      );
    } finally {
      await cached.close();
    }
  });

  it('pages through a district in area order, every person once, with the total on the first page', async () => {
    const all = (await get('/api/persons?area=220202001&limit=500')).json();
    expect(all.total).toBe(all.items.length);
    expect(all.total_more).toBe(false);
    const keys = all.items.map((p: { area_code: string; id: number }) => [p.area_code, p.id]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    expect(keys).toEqual(sorted);
    const walked: number[] = [];
    let after: number | null = null;
    for (let i = 0; i < 1000; i++) {
      const r = await get(`/api/persons?area=220202001&limit=7${after === null ? '' : `&after=${after}`}`);
      const body = r.json();
      walked.push(...body.items.map((p: { id: number }) => p.id));
      after = body.next_after;
      if (after === null) break;
    }
    expect(walked).toEqual(all.items.map((p: { id: number }) => p.id));
    // Filters count too; a district of more than 10,000 people says "more than".
    const city = (await get('/api/persons?area=2202&limit=1')).json();
    if (city.total_more) expect(city.total).toBe(10_000);
    else expect(city.total).toBeGreaterThan(all.total);
  });

  it('scopes people to the requested area', async () => {
    const page = (await get('/api/persons?area=220202&limit=500')).json();
    for (const p of page.items) expect(p.area_code.startsWith('220202')).toBe(true);
    // Another city: refused in words (an empty list would read as "nobody there").
    const other = await get('/api/persons?area=110101');
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('out_of_jurisdiction');
  });

  it('exports the whole filtered people list, masked, areas and codes in words, audited', async () => {
    const csv = await get('/api/persons/export?area=220202&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('姓名,性别,年龄,身份证号（脱敏）,电话（脱敏）,住址,区域,特殊人群,健康码,风险状态');
    const truth = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM persons WHERE starts_with(area_code, '220202') AND purged_at IS NULL",
    );
    expect(lines.length - 1).toBe(truth.rows[0]?.n);
    expect(csv.body).not.toMatch(/\b\d{17}[\dX]\b/); // masked, like the list
    expect(csv.body).not.toMatch(/\b22\d{13}\b/); // areas by name
    expect(csv.body).not.toMatch(/,(none|green|close_contact|M|F),/); // codes in words
    // The same filter as the list: a risk status.
    await ctx.db.query(
      "INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', NULL, area_code FROM persons WHERE id IN (SELECT id FROM persons ORDER BY id LIMIT 3) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at",
    );
    const close = await get('/api/persons/export?risk_status=close_contact&format=csv&lang=en');
    const closeLines = close.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(closeLines).toHaveLength(4);
    for (const l of closeLines.slice(1)) expect(l.endsWith(',Close contact')).toBe(true);
    const xlsx = await get('/api/persons/export?area=220202');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect((await get('/api/persons/export?area=110101')).statusCode).toBe(403);
    const audit = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'person.exported'",
    );
    expect(audit.rows[0]?.n).toBeGreaterThanOrEqual(3);
  });

  it('answers bad input with one error format', async () => {
    const cases: [string, number, string][] = [
      ['/api/persons?limit=abc', 400, 'validation_failed'],
      ['/api/persons?limit=100000', 400, 'validation_failed'],
      ['/api/areas/12345', 400, 'validation_failed'],
      ['/api/areas/names?codes=2202,12345', 400, 'validation_failed'],
      ["/api/persons?area=22' OR 1=1 --", 400, 'validation_failed'],
      ['/api/areas/99', 404, 'not_found'],
      ['/api/areas?parent=9901', 404, 'not_found'],
      ['/api/persons/999999999', 404, 'not_found'],
      ['/api/nothing-here', 404, 'route_not_found'],
    ];
    for (const [url, status, code] of cases) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(status);
      expect(r.json().error.code, url).toBe(code);
      expect(typeof r.json().error.message).toBe('string');
    }
    const injection = (await get(`/api/persons?q=${encodeURIComponent("x' OR '1'='1")}`)).json();
    expect(injection.items).toEqual([]);
  });

  it('refuses a NUL character anywhere in the input with 400 nul_character, writing nothing', async () => {
    const before = await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM leaders');
    const attempts = [
      { method: 'GET' as const, url: `/api/persons?q=${encodeURIComponent('王\u0000')}` },
      { method: 'POST' as const, url: '/api/leaders', payload: { name: 'a\u0000b', area_code: '2202' } },
      {
        method: 'POST' as const,
        url: '/api/testing/rounds',
        payload: { name: 'r', areas: ['2202'], nested: [{ deep: ['x\u0000'] }] },
      },
      { method: 'POST' as const, url: '/api/testing/rounds', payload: { 'k\u0000': 1 } },
    ];
    for (const a of attempts) {
      const r = await app.inject({ ...a, headers: s.headers });
      expect(r.statusCode, a.url).toBe(400);
      expect(r.json().error.code, a.url).toBe('nul_character');
      expect(r.json().error.message).toMatch(/NUL character/);
    }
    const deep = `{"name": ${'['.repeat(5000)}1${']'.repeat(5000)}}`;
    const d = await app.inject({
      method: 'POST',
      url: '/api/leaders',
      headers: { ...s.headers, 'content-type': 'application/json' },
      payload: deep,
    });
    expect(d.statusCode).toBe(400);
    expect(d.json().error.code).toBe('too_deeply_nested');
    const after = await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM leaders');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('answers router errors, broken multipart and unknown references with 4xx in the one format', async () => {
    const badUrl = await app.inject({
      method: 'POST',
      url: '/api/users/%E0%A4%A/disable',
      headers: s.headers,
    });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error).toMatchObject({ code: 'url_invalid' });
    const longParam = await app.inject({
      method: 'POST',
      url: `/api/testing/boxes/${'X'.repeat(300)}/ship`,
      headers: s.headers,
    });
    expect(longParam.statusCode).toBe(414);
    expect(longParam.json().error.code).toBe('uri_too_long');
    for (const [contentType, payload] of [
      ['multipart/form-data', 'no boundary at all'],
      [
        'multipart/form-data; boundary=abc',
        '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nx,y',
      ],
      ['multipart/form-data; boundary=other', '--abc\r\n\r\n'],
    ]) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/imports/persons',
        headers: { ...s.headers, 'content-type': contentType as string },
        payload: payload as string,
      });
      expect(r.statusCode, contentType).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, contentType).toBeLessThan(500);
      expect(typeof r.json().error.code).toBe('string');
    }
    const leader = await app.inject({
      method: 'POST',
      url: '/api/leaders',
      headers: s.headers,
      payload: { name: 'm', area_code: '220202', function: 'all', user_id: 99_999_999 },
    });
    expect(leader.statusCode).toBe(400);
    expect(leader.json().error.code).toBe('user_unknown');
    const onset = await app.inject({
      method: 'POST',
      url: '/api/tracing/cases',
      headers: s.headers,
      payload: { person_id: 1, first_positive_at: '2022-03-14T08:00:00Z', onset_date: '0000-02-29' },
    });
    expect(onset.statusCode).toBe(400);
    expect(onset.json().error.code).toBe('validation_failed');
  });

  it('refuses lone surrogates and invalid UTF-8 in JSON, so the audit chain keeps verifying', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":"x\\ud800","password":"whatever"}',
    });
    expect(login.statusCode).toBe(400);
    expect(login.json().error.code).toBe('nul_character');
    const bytes = await app.inject({
      method: 'POST',
      url: '/api/leaders',
      headers: { ...s.headers, 'content-type': 'application/json' },
      payload: Buffer.concat([
        Buffer.from('{"name":"bad'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('","area_code":"2202"}'),
      ]),
    });
    expect(bytes.statusCode).toBe(400);
    expect(bytes.json().error.code).toBe('invalid_utf8');
    const unmask = await app.inject({
      method: 'POST',
      url: '/api/persons/1/unmask',
      headers: { ...s.headers, 'content-type': 'application/json' },
      payload: '{"reason":"check \\ud800 id"}',
    });
    expect(unmask.statusCode).toBe(400);
    expect((await get('/api/audit/verify')).statusCode).toBeLessThan(500);
  });

  it('sends hardening headers, and no-store on every API answer', async () => {
    for (const url of ['/api/health', '/api/persons?limit=1', '/api/nothing-here']) {
      const r = await get(url);
      expect(r.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['content-security-policy'], url).toMatch(/script-src 'self'(;|$)/);
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['referrer-policy'], url).toBe('no-referrer');
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['cache-control'], url).toBe('no-store');
    }
  });

  it('names the error of a refused content type and of a body too large', async () => {
    const xml = await app.inject({
      method: 'POST',
      url: '/api/leaders',
      headers: { ...s.headers, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.code).toBe('unsupported_media_type');
    const big = await app.inject({
      method: 'POST',
      url: '/api/leaders',
      headers: { ...s.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
    const broken = await app.inject({
      method: 'POST',
      url: '/api/leaders',
      headers: { ...s.headers, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('invalid_json');
  });

  it('serves the OpenAPI document at /api/docs to logged-in callers only', async () => {
    for (const url of ['/api/docs', '/api/docs/json', '/api/docs/static/index.html']) {
      const anonymous = await app.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
    }
    const r = await get('/api/docs/json');
    expect(r.statusCode).toBe(200);
    expect(Object.keys(r.json().paths)).toEqual(
      expect.arrayContaining(['/api/health', '/api/persons', '/api/stats']),
    );
  });
});

it('answers 503 with Retry-After when the database is gone', async () => {
  const down: Db = {
    kind: 'postgresql',
    query: async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    },
    bulkInsert: async () => 0,
    exec: async () => {},
    copyFrom: async () => 0,
    copyTo: async function* () {},
    transaction: async () => {
      throw new Error('unreachable');
    },
    close: async () => {},
    describe: () => ({ kind: 'postgresql', location: 'postgres://down' }),
  };
  const app = await buildApp({ db: down, clock, logger: false });
  const stats = await app.inject({
    method: 'GET',
    url: '/api/stats',
    headers: { authorization: 'Bearer qct_anything' },
  });
  expect(stats.statusCode).toBe(503);
  expect(stats.headers['retry-after']).toBe('5');
  expect(stats.json().error.code).toBe('database_unavailable');
  const health = await app.inject({ method: 'GET', url: '/api/health' });
  expect(health.statusCode).toBe(503);
  expect(health.json()).toMatchObject({ status: 'unavailable', database: 'postgresql' });
  await app.close();
});

it('answers 503 database_full with Retry-After when the database is out of disk', async () => {
  const full = {
    kind: 'postgresql',
    query: async () => {
      throw Object.assign(new Error('could not extend file "base/5/17044": No space left on device'), {
        code: '53100',
      });
    },
    transaction: async () => {
      throw new Error('unreachable');
    },
    close: async () => {},
    describe: () => ({ kind: 'postgresql', location: 'postgres://full' }),
  } as unknown as Db;
  const app = await buildApp({ db: full, clock, logger: false });
  const r = await app.inject({
    method: 'GET',
    url: '/api/stats',
    headers: { authorization: 'Bearer qct_anything' },
  });
  expect(r.statusCode).toBe(503);
  expect(r.headers['retry-after']).toBe('30');
  expect(r.json().error.code).toBe('database_full');
  await app.close();
});
