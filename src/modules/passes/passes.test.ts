/**
 * Passes through the API on both backends: issue (and every refusal, writing nothing — not even the first key),
 * the token and the keys, masking, jurisdiction (another district neither sees nor revokes), checkpoints, every
 * verdict of a check, idempotent checks, the speed flag (also from a late upload), the revocation list, the audit.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { makeIdNumber } from '../../domain/id-number.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { seedCity } from '../registry/seed-city.ts';
import { signClaims } from './signing.ts';
import { base64urlDecode, encodeClaims, type PassClaims, readPassToken } from './token-format.ts';

const START = '2022-03-14T08:00:00Z';
const clock = new ManualClock(START);
const HOUR = 3600_000;
const iso = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

describeBackends('passes', (ctx) => {
  let app: FastifyInstance;
  // Two districts of the city, a street and a community of the first, a street of the second.
  let A = '';
  let B = '';
  let A1 = '';
  let A2 = '';
  let A1c = '';
  let B1 = '';
  let issuerA: TestSession;
  let issuerB: TestSession;
  let city: TestSession;
  let checkerA: TestSession;
  let officerB: TestSession;
  let viewer: TestSession;
  let keyCounter = 0;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const count = async (table: string) =>
    Number((await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
  const vehicle = (over: Record<string, unknown> = {}) => ({
    kind: 'supply',
    holder_type: 'vehicle',
    holder_name: '李师傅',
    plate: '吉b·12345',
    organisation: '吉林市保供物流公司',
    purpose: '向封控小区配送生活物资',
    valid_from: iso(0),
    valid_to: iso(72 * HOUR),
    areas: [A1],
    ...over,
  });
  const issue = async (s: TestSession, body: Record<string, unknown>) => {
    const res = await call(s, 'POST', '/api/passes', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { id: number; token: string; status: string; area_code: string; areas: string[] };
  };
  const checkpoint = async (s: TestSession, area: string, name: string, lat = 43.84, lon = 126.55) => {
    const res = await call(s, 'POST', '/api/checkpoints', {
      name,
      area_code: area,
      latitude: lat,
      longitude: lon,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { id: number };
  };
  const scan = (s: TestSession, cp: number, token: string, at = iso(0), key = `check-${++keyCounter}-key`) =>
    call(s, 'POST', `/api/checkpoints/${cp}/scans`, { key, token, checked_at: at });
  const verdictOf = async (s: TestSession, cp: number, token: string, at?: string) => {
    const res = await scan(s, cp, token, at);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().verdict as string;
  };

  beforeAll(async () => {
    clock.set(START);
    await seedCity(ctx.db, { city: '2202', people: 300, seed: 5, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const districts = await ctx.db.query<{ code: string }>(
      `SELECT d.code FROM areas d WHERE d.level = 3 AND starts_with(d.code, '2202')
          AND (SELECT count(*) FROM areas s WHERE s.parent_code = d.code) >= 2 ORDER BY d.code LIMIT 2`,
    );
    [A, B] = districts.rows.map((r) => r.code) as [string, string];
    const child = async (parent: string, n = 0) =>
      (
        await ctx.db.query<{ code: string }>(
          'SELECT code FROM areas WHERE parent_code = $1 ORDER BY code OFFSET $2 LIMIT 1',
          [parent, n],
        )
      ).rows[0]?.code as string;
    A1 = await child(A);
    A2 = await child(A, 1);
    A1c = await child(A1);
    B1 = await child(B);
    issuerA = await loginAs(app, ctx.db, 'dispatcher', A);
    issuerB = await loginAs(app, ctx.db, 'dispatcher', B);
    city = await loginAs(app, ctx.db, 'commander', '2202');
    checkerA = await loginAs(app, ctx.db, 'community_worker', A);
    officerB = await loginAs(app, ctx.db, 'checkpoint_officer', B);
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses bad passes with precise codes and writes nothing, not even the first signing key', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ areas: [B1] }, 403, 'out_of_jurisdiction'],
      [{ areas: [A1, B1] }, 403, 'out_of_jurisdiction'],
      [{ areas: ['2202'] }, 403, 'out_of_jurisdiction'], // the city contains the district, is not inside it
      [{ areas: [`${A}999`] }, 400, 'area_unknown'],
      [{ valid_to: iso(7 * 24 * HOUR + 60_000) }, 400, 'validity_too_long'],
      [{ valid_to: iso(-HOUR) }, 400, 'validity_reversed'],
      [{ valid_from: iso(-2 * HOUR), valid_to: iso(HOUR) }, 400, 'validity_backdated'],
      [{ valid_from: iso(8 * 24 * HOUR), valid_to: iso(9 * 24 * HOUR) }, 400, 'validity_too_far_ahead'],
      [{ plate: 'B12345' }, 400, 'plate_invalid'],
      [{ plate: undefined }, 400, 'plate_required'],
      [{ holder_type: 'person', plate: undefined }, 400, 'id_number_required'],
      [{ holder_type: 'person', id_number: '22020219900101123Z' }, 400, 'id_number_invalid'],
      [{ route: true }, 400, 'route_too_short'],
      [{ kind: 'vip' }, 400, 'validation_failed'],
      [{ areas: [] }, 400, 'validation_failed'],
      [{ valid_from: 1647244800 }, 400, 'validation_failed'],
    ];
    for (const [change, status, code] of cases) {
      const res = await call(issuerA, 'POST', '/api/passes', vehicle(change));
      expect(res.statusCode, `${JSON.stringify(change)}: ${res.body}`).toBe(status);
      expect(res.json().error.code, JSON.stringify(change)).toBe(code);
    }
    const outside = await call(issuerA, 'POST', '/api/passes', vehicle({ areas: [A1, B1] }));
    expect(outside.json().error.details).toEqual({ areas: [B1] });
    expect(await count('passes')).toBe(0);
    expect(await count('server_keys')).toBe(0);
    const audit = await ctx.db.query("SELECT 1 FROM audit_log WHERE action LIKE 'pass.%'");
    expect(audit.rows).toHaveLength(0);
  });

  it('issues a vehicle pass: plate as written, a signed compact token, the key made once, audited', async () => {
    const pass = await issue(issuerA, vehicle({ areas: [A1, A2] }));
    expect(pass.status).toBe('valid');
    expect(pass.area_code).toBe(A);
    expect(pass.token).toMatch(/^QC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    const r = readPassToken(pass.token);
    if (!r.ok) throw new Error(r.reason);
    expect(r.claims).toMatchObject({ p: pass.id, k: 'supply', h: 'v', n: '吉B12345', a: [A1, A2] });
    expect(r.claims.u - r.claims.f).toBe(72 * 3600);
    const stored = await ctx.db.query<{ plate: string; key_id: string }>(
      'SELECT plate, key_id FROM passes WHERE id = $1',
      [pass.id],
    );
    expect(stored.rows[0]).toEqual({ plate: '吉B12345', key_id: r.claims.kid });
    // The public key for the checkpoints: the one named in the token; no private key anywhere in the answer.
    const keys = await call(checkerA, 'GET', '/api/passes/keys');
    expect(keys.statusCode).toBe(200);
    expect(keys.json().keys).toHaveLength(1);
    expect(keys.json().keys[0]).toMatchObject({
      kid: r.claims.kid,
      alg: 'Ed25519',
      jwk: { kty: 'OKP', crv: 'Ed25519' },
    });
    expect(base64urlDecode(keys.json().keys[0].public_key)).toHaveLength(32);
    expect(keys.body).not.toMatch(/PRIVATE|private_key|"d"/);
    // A second pass is signed with the same key.
    await issue(issuerA, vehicle({ plate: '吉B54321' }));
    expect(await count('server_keys')).toBe(1);
    const audit = await ctx.db.query<{ subject_id: string; area_code: string; details: unknown }>(
      "SELECT subject_id, area_code, details FROM audit_log WHERE action = 'pass.issued' ORDER BY id LIMIT 1",
    );
    expect(audit.rows[0]).toEqual({
      subject_id: String(pass.id),
      area_code: A,
      details: { areas: [A1, A2], route: false },
    });
  });

  it("stores a person's ID number like the registry's and shows it masked; the token carries only the masked name and last four", async () => {
    const id = makeIdNumber('220202', '1985-06-01', 123).replace('X', 'x');
    const pass = await issue(
      issuerA,
      vehicle({
        holder_type: 'person',
        holder_name: '王小明',
        plate: undefined,
        id_number: id,
        kind: 'medical',
      }),
    );
    const normalised = id.toUpperCase();
    const stored = await ctx.db.query<{ id_number: string }>('SELECT id_number FROM passes WHERE id = $1', [
      pass.id,
    ]);
    expect(stored.rows[0]?.id_number).toBe(normalised);
    const list = await call(issuerA, 'GET', '/api/passes?holder_type=person');
    expect(list.body).not.toContain(normalised);
    expect(list.json().items[0].id_number).toBe(`${normalised.slice(0, 6)}********${normalised.slice(-4)}`);
    const one = await call(issuerA, 'GET', `/api/passes/${pass.id}`);
    expect(one.body).not.toContain(normalised);
    const r = readPassToken(pass.token);
    if (!r.ok) throw new Error(r.reason);
    expect(r.claims).toMatchObject({ h: 'p', n: '王**', i: normalised.slice(-4) });
    expect(pass.token).not.toContain(normalised);
  });

  it("keeps a district's passes from another district: not listed, not found, not revoked", async () => {
    const pass = await issue(issuerA, vehicle({ plate: '吉B66666' }));
    const theirs = await call(issuerB, 'GET', '/api/passes');
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json().items.map((p: { id: number }) => p.id)).not.toContain(pass.id);
    for (const p of theirs.json().items) expect(p.area_code.startsWith(B)).toBe(true);
    expect((await call(issuerB, 'GET', `/api/passes/${pass.id}`)).statusCode).toBe(404);
    const revoke = await call(issuerB, 'POST', `/api/passes/${pass.id}/revoke`, { reason: '不是我的' });
    expect(revoke.statusCode).toBe(404);
    expect(revoke.json().error.code).toBe('not_found');
    const row = await ctx.db.query('SELECT revoked_at FROM passes WHERE id = $1', [pass.id]);
    expect(row.rows[0]).toEqual({ revoked_at: null });
    // The city sees it; the issuing district lists it with a total.
    const mine = await call(issuerA, 'GET', '/api/passes?q=66666');
    expect(mine.json()).toMatchObject({ total: 1, items: [{ id: pass.id, plate: '吉B66666' }] });
    expect((await call(city, 'GET', `/api/passes/${pass.id}`)).statusCode).toBe(200);
    // Who may not: a checker does not list passes, a viewer does not check them.
    expect((await call(checkerA, 'GET', '/api/passes')).statusCode).toBe(403);
    expect((await call(viewer, 'GET', '/api/checkpoints')).statusCode).toBe(403);
  });

  it('sets up checkpoints in the jurisdiction only', async () => {
    await checkpoint(issuerA, A1, '一号卡口');
    const dup = await call(issuerA, 'POST', '/api/checkpoints', {
      name: '一号卡口',
      area_code: A1,
      latitude: 43.8,
      longitude: 126.5,
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('checkpoint_exists');
    const out = await call(issuerA, 'POST', '/api/checkpoints', {
      name: 'x',
      area_code: B1,
      latitude: 43.8,
      longitude: 126.5,
    });
    expect(out.statusCode).toBe(403);
    expect(out.json().error.code).toBe('out_of_jurisdiction');
    const unknown = await call(issuerA, 'POST', '/api/checkpoints', {
      name: 'x',
      area_code: `${A}999`,
      latitude: 43.8,
      longitude: 126.5,
    });
    expect(unknown.json().error.code).toBe('area_unknown');
    const cityWide = await call(city, 'POST', '/api/checkpoints', {
      name: 'x',
      area_code: '2202',
      latitude: 43.8,
      longitude: 126.5,
    });
    expect(cityWide.statusCode).toBe(400);
    const list = await call(checkerA, 'GET', '/api/checkpoints');
    expect(list.json().items.map((c: { name: string }) => c.name)).toContain('一号卡口');
    expect((await call(officerB, 'GET', '/api/checkpoints')).json().items).toEqual([]);
  });

  it('answers every verdict through the API', async () => {
    const cpA = await checkpoint(issuerA, A1c, '社区卡口');
    const cpB = await checkpoint(city, B1, '外区卡口');
    const pass = await issue(issuerA, vehicle({ plate: '吉B10001', areas: [A1] }));
    expect(await verdictOf(checkerA, cpA.id, pass.token)).toBe('valid');
    expect(await verdictOf(officerB, cpB.id, pass.token)).toBe('area_not_allowed');
    const later = await issue(
      issuerA,
      vehicle({ plate: '吉B10002', valid_from: iso(24 * HOUR), valid_to: iso(48 * HOUR) }),
    );
    expect(await verdictOf(checkerA, cpA.id, later.token)).toBe('not_yet_valid');
    // Forged: claims changed under the old signature; or signed by a key of someone else under our key id.
    const [head, body, sig] = pass.token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(body) as Uint8Array)) as PassClaims;
    const widened = `${head}.${encodeClaims({ ...claims, u: claims.u + 30 * 86400 })}.${sig}`;
    const res = await scan(checkerA, cpA.id, widened);
    expect(res.json()).toMatchObject({ verdict: 'forged', pass: null, flags: [] });
    const stranger = generateKeyPairSync('ed25519');
    expect(await verdictOf(checkerA, cpA.id, signClaims(claims, stranger.privateKey))).toBe('forged');
    expect(
      await verdictOf(checkerA, cpA.id, signClaims({ ...claims, kid: 'zzzzzzzz' }, stranger.privateKey)),
    ).toBe('unknown_key');
    // Revoked from its revocation on; a check made before it (uploaded late) was valid then.
    const checkedBefore = iso(0);
    clock.advance(HOUR);
    const revoke = await call(issuerA, 'POST', `/api/passes/${pass.id}/revoke`, { reason: '车辆更换司机' });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json().status).toBe('revoked');
    expect(await verdictOf(checkerA, cpA.id, pass.token)).toBe('revoked');
    expect(await verdictOf(checkerA, cpA.id, pass.token, checkedBefore)).toBe('valid');
    const again = await call(issuerA, 'POST', `/api/passes/${pass.id}/revoke`, { reason: '再次吊销' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('pass_already_revoked');
    // Expired: the clock past its end.
    const short = await issue(issuerA, vehicle({ plate: '吉B10003', valid_to: iso(2 * HOUR) }));
    clock.advance(3 * HOUR);
    expect(await verdictOf(checkerA, cpA.id, short.token)).toBe('expired');
    // The stored checks say the same; forged checks name no pass.
    const stored = await ctx.db.query<{ verdict: string; pass_id: number | null; claimed_pass_id: number }>(
      'SELECT verdict, pass_id, claimed_pass_id FROM pass_checks WHERE claimed_pass_id = $1 ORDER BY id',
      [pass.id],
    );
    expect(stored.rows.map((r) => [r.verdict, r.pass_id])).toEqual([
      ['valid', pass.id],
      ['area_not_allowed', pass.id],
      ['forged', null],
      ['forged', null],
      ['unknown_key', null],
      ['revoked', pass.id],
      ['valid', pass.id],
    ]);
    // The pass shows its checks.
    const one = await call(issuerA, 'GET', `/api/passes/${pass.id}`);
    expect(one.json().checks).toBe(4); // forgeries name no pass
    expect(one.json().check_list[0]).toMatchObject({ verdict: 'revoked', checkpoint: '社区卡口' });
  });

  it('refuses malformed codes, unknown and foreign checkpoints and future times, recording nothing', async () => {
    const cp = await checkpoint(issuerA, A2, '二号卡口');
    const pass = await issue(issuerA, vehicle({ plate: '吉B20001', areas: [A2] }));
    const before = await count('pass_checks');
    for (const token of ['hello', 'QC1.abc.def', pass.token.replace('QC1', 'QC9'), `${pass.token}x`]) {
      const res = await scan(checkerA, cp.id, token);
      expect(res.statusCode, token).toBe(400);
      expect(res.json().error.code).toBe('token_malformed');
    }
    const unknown = await scan(checkerA, 999_999, pass.token);
    expect(unknown.statusCode).toBe(404);
    const foreign = await scan(officerB, cp.id, pass.token); // a checkpoint of another district
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.message.replace(String(cp.id), 'X')).toBe(
      unknown.json().error.message.replace('999999', 'X'),
    );
    const future = await scan(checkerA, cp.id, pass.token, iso(HOUR));
    expect(future.json().error.code).toBe('time_in_future');
    const noTime = await call(checkerA, 'POST', `/api/checkpoints/${cp.id}/scans`, {
      key: 'abcdefgh1',
      token: pass.token,
      checked_at: 0,
    });
    expect(noTime.statusCode).toBe(400);
    expect((await scan(viewer, cp.id, pass.token)).statusCode).toBe(403);
    expect(await count('pass_checks')).toBe(before);
  });

  it('counts a check sent twice once, and refuses a key reused for another code', async () => {
    const cp = await checkpoint(issuerA, A2, '三号卡口');
    const pass = await issue(issuerA, vehicle({ plate: '吉B30001', areas: [A2] }));
    const other = await issue(issuerA, vehicle({ plate: '吉B30002', areas: [A2] }));
    const first = await scan(checkerA, cp.id, pass.token, iso(0), 'phone-1-0001');
    const second = await scan(checkerA, cp.id, pass.token, iso(0), 'phone-1-0001');
    expect(first.json()).toMatchObject({ duplicate: false, verdict: 'valid' });
    expect(second.json()).toMatchObject({ duplicate: true, verdict: 'valid', id: first.json().id });
    const rows = await ctx.db.query('SELECT 1 FROM pass_checks WHERE idempotency_key = $1', ['phone-1-0001']);
    expect(rows.rows).toHaveLength(1);
    const reused = await scan(checkerA, cp.id, other.token, iso(0), 'phone-1-0001');
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('key_reused');
    // Sent at once (a retry while the first is in flight): still once.
    const both = await Promise.all(
      [0, 1].map(() => scan(checkerA, cp.id, other.token, iso(0), 'phone-1-0002')),
    );
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.map((r) => r.json().duplicate).sort()).toEqual([false, true]);
  });

  it('flags a pass seen at two checkpoints too far apart for the time between, also when the earlier check comes late', async () => {
    // Two checkpoints of the district 111 km apart (one degree of latitude).
    const south = await checkpoint(issuerA, A1, '南卡口', 43.0, 126.5);
    const north = await checkpoint(issuerA, A2, '北卡口', 44.0, 126.5);
    const pass = await issue(issuerA, vehicle({ plate: '吉B40001', areas: [A] }));
    const t = clock.now().getTime();
    clock.advance(3 * HOUR);
    const at = (minutes: number) => new Date(t + minutes * 60_000).toISOString();
    expect((await scan(checkerA, south.id, pass.token, at(0))).json().flags).toEqual([]);
    const fast = (await scan(checkerA, north.id, pass.token, at(30))).json();
    expect(fast.verdict).toBe('valid');
    expect(fast.flags).toEqual([
      expect.objectContaining({
        code: 'suspect_speed',
        other_checkpoint_id: south.id,
        other_checkpoint: '南卡口',
        km: 111.2,
        minutes: 30,
      }),
    ]);
    // 70 minutes later back south: 95 km/h, plausible; an hour later north again: 111 km/h, plausible.
    expect((await scan(checkerA, south.id, pass.token, at(100))).json().flags).toEqual([]);
    const north160 = (await scan(checkerA, north.id, pass.token, at(160))).json();
    expect(north160.flags).toEqual([]);
    // An offline phone uploads late a check south at 150: itself plausible (50 min after the south one at 100,
    // same place), it makes the north check at 160 impossible: that later check is flagged.
    const late = (await scan(checkerA, south.id, pass.token, at(150))).json();
    expect(late.flags).toEqual([]);
    const flagged = await ctx.db.query<{
      id: number;
      suspect_check_id: number | null;
      suspect_minutes: number | null;
    }>(
      'SELECT id, suspect_check_id, suspect_minutes FROM pass_checks WHERE pass_id = $1 ORDER BY checked_at',
      [pass.id],
    );
    expect(flagged.rows.map((r) => r.suspect_minutes)).toEqual([null, 30, null, null, 10]);
    expect(flagged.rows[4]?.suspect_check_id).toBe(late.id);
    // Listed for the issuer (and the city), not for another district.
    const mine = await call(issuerA, 'GET', '/api/passes/suspects');
    expect(mine.json().items.filter((x: { pass_id: number }) => x.pass_id === pass.id)).toHaveLength(2);
    expect(mine.json().items[0]).toMatchObject({
      pass_id: pass.id,
      checkpoint: '北卡口',
      other_checkpoint: '南卡口',
      minutes: 10,
      km: 111.2,
    });
    expect((await call(issuerB, 'GET', '/api/passes/suspects')).json().items).toEqual([]);
    const list = await call(issuerA, 'GET', '/api/passes?flagged=true');
    expect(list.json().items.map((p: { id: number }) => p.id)).toEqual([pass.id]);
    expect(list.json().items[0].flagged).toBe(2);
  });

  it('gives checkpoint phones the revoked passes they may meet, since a time', async () => {
    const pass = await issue(issuerA, vehicle({ plate: '吉B50001' }));
    const wide = await issue(city, vehicle({ plate: '吉B50002', areas: [A1, B1] }));
    await call(issuerA, 'POST', `/api/passes/${pass.id}/revoke`, { reason: '任务结束' });
    await call(city, 'POST', `/api/passes/${wide.id}/revoke`, { reason: '任务结束' });
    const forA = await call(checkerA, 'GET', '/api/passes/revocations');
    expect(forA.statusCode).toBe(200);
    const idsA = forA.json().items.map((x: { id: number }) => x.id);
    expect(idsA).toEqual(expect.arrayContaining([pass.id, wide.id]));
    const forB = (await call(officerB, 'GET', '/api/passes/revocations')).json();
    expect(forB.items.map((x: { id: number }) => x.id)).toEqual([wide.id]); // the city's pass reaches B too
    expect(new Date(forB.next_since).getTime()).toBeLessThan(new Date(forB.as_of).getTime());
    clock.advance(60_000);
    const since = (
      await call(checkerA, 'GET', `/api/passes/revocations?since=${encodeURIComponent(iso(0))}`)
    ).json();
    expect(since.items).toEqual([]);
    expect((await call(viewer, 'GET', '/api/passes/revocations')).statusCode).toBe(403);
  });

  it('records issuing, revoking, checkpoints and reads of passes in the audit log, whose chain holds', async () => {
    const actions = await ctx.db.query<{ action: string; n: number }>(
      "SELECT action, count(*)::int AS n FROM audit_log WHERE action LIKE 'pass.%' OR subject_type = 'pass' GROUP BY action ORDER BY action",
    );
    const by = Object.fromEntries(actions.rows.map((r) => [r.action, r.n]));
    expect(by['pass.issued']).toBeGreaterThan(5);
    expect(by['pass.revoked']).toBe(3);
    expect(by['pass.checkpoint_created']).toBeGreaterThan(3);
    expect(by['person.list']).toBeGreaterThan(0);
    const revoked = await ctx.db.query<{ reason: string; actor_name: string }>(
      "SELECT reason, actor_name FROM audit_log WHERE action = 'pass.revoked' ORDER BY id LIMIT 1",
    );
    expect(revoked.rows[0]).toEqual({ reason: '车辆更换司机', actor_name: issuerA.username });
    // Checks are field events, in their own table; the audit log does not name holders.
    const text = await ctx.db.query<{ t: string }>(
      "SELECT string_agg(details::text, ' ') AS t FROM audit_log",
    );
    expect(text.rows[0]?.t ?? '').not.toMatch(/李师傅|王小明|吉B/);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });
});
