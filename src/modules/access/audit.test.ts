import { expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import {
  appendAudit,
  auditHead,
  canonicalJson,
  formatHead,
  listAudit,
  parseHead,
  recordRead,
  signedCheckpoint,
  verifyAudit,
} from './audit.ts';
import { cliPrincipal } from './principal.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');

it('canonical JSON sorts keys at every depth', () => {
  expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
    '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
  );
});

describeBackends('audit log', (ctx) => {
  it('chains entries and verifies them', async () => {
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      await ctx.db.transaction((tx) =>
        appendAudit(tx, clock, cliPrincipal('tester'), {
          action: 'person.read',
          subjectType: 'person',
          subjectId: i,
          areaCode: '220202',
          details: { n: i, nested: { b: 'x', a: [1, 2] } },
        }),
      );
    }
    const r = await verifyAudit(ctx.db);
    expect(r).toMatchObject({ ok: true, checked: 30, head: { count: 30 } });
    expect(r.head).toEqual(await auditHead(ctx.db));
    expect(await verifyAudit(ctx.db, undefined, r.head)).toMatchObject({ ok: true });
  });

  it('records reads in batches, in order, woven into one chain with writes running beside them', async () => {
    const before = (await verifyAudit(ctx.db)).head.count;
    const actor = cliPrincipal('reader');
    // 120 reads in flight at once and 10 writes in their own transactions at the same time.
    const reads = Array.from({ length: 120 }, (_, i) =>
      recordRead(ctx.db, clock, actor, { action: 'person.list', areaCode: '220202', details: { n: i } }),
    );
    const writes = Array.from({ length: 10 }, (_, i) =>
      ctx.db.transaction((tx) =>
        appendAudit(tx, clock, cliPrincipal('writer'), { action: 'user.created', details: { n: i } }),
      ),
    );
    await Promise.all([...reads, ...writes]);
    const r = await verifyAudit(ctx.db);
    expect(r).toMatchObject({ ok: true, checked: before + 130 });
    const rows = await listAudit(ctx.db, { prefix: '' }, { action: 'person.list', limit: 1000 });
    const ns = rows.filter((e) => e.actor_name === 'reader').map((e) => (e.details as { n: number }).n);
    // The reads are in the log once each, in the order they were asked for.
    expect(ns).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // A read whose entry cannot be written fails (nothing is answered unrecorded), and the next batch goes on.
    const bad = recordRead(ctx.db, clock, actor, { action: 'person.list', details: { nul: '\u0000' } });
    await expect(bad).rejects.toThrow();
    await recordRead(ctx.db, clock, actor, { action: 'person.list', areaCode: '220202' });
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('catches entries removed from the end against a published head, which the chain alone cannot', async () => {
    const published = (await verifyAudit(ctx.db)).head;
    expect(parseHead(formatHead(published))).toEqual({ count: published.count, hash: published.hash });
    await ctx.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    const last = published.id;
    await ctx.db.query('DELETE FROM audit_log WHERE id >= $1', [last - 1]); // the newest two, triggers bypassed
    await ctx.db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    expect((await verifyAudit(ctx.db)).ok).toBe(true); // the shorter chain still links up
    expect(await verifyAudit(ctx.db, undefined, published)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/removed from its end/),
    });
    // Entries written again after the cut (a rewritten tail of the same length) do not carry the published hash.
    for (let i = 0; i < 2; i++)
      await ctx.db.transaction((tx) =>
        appendAudit(tx, clock, cliPrincipal('tester'), { action: 'person.read', areaCode: '220202' }),
      );
    expect(await verifyAudit(ctx.db, undefined, published)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/no longer has the published hash/),
    });
    expect(() => parseHead('30:xyz')).toThrow(/COUNT:HASH/);
    const cp = signedCheckpoint(published, new Date('2022-03-14T08:00:00Z'), 'k');
    expect(cp.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(signedCheckpoint(published, new Date('2022-03-14T08:00:00Z')).signature).toBeNull();
  });

  it('keeps verifying after text with a lone surrogate (stored as U+FFFD) was recorded', async () => {
    await ctx.db.transaction((tx) =>
      appendAudit(
        tx,
        clock,
        { ...cliPrincipal('tester'), name: 'x\ud800' },
        {
          action: 'auth.login_failed',
          reason: 'lone \udfff surrogate',
          subjectId: 'a\ud800',
          details: { note: 'n\ud800', list: ['\udc00'] },
        },
      ),
    );
    expect(await verifyAudit(ctx.db)).toMatchObject({ ok: true });
    // Entries without an area (a failed login of an unknown name) are listed for a city-wide scope, not below.
    const city = await listAudit(ctx.db, { prefix: '2202' }, { action: 'auth.login_failed', limit: 10 });
    expect(city.map((e) => e.actor_name)).toContain('x\ufffd');
    const district = await listAudit(
      ctx.db,
      { prefix: '220202' },
      { action: 'auth.login_failed', limit: 10 },
    );
    expect(district).toEqual([]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(ctx.db.query("UPDATE audit_log SET reason = 'x' WHERE id = 1")).rejects.toThrow(
      /append-only/,
    );
    await expect(ctx.db.query('DELETE FROM audit_log WHERE id = 2')).rejects.toThrow(/append-only/);
    await expect(ctx.db.exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('detects an edited entry and a removed entry (when someone gets past the triggers)', async () => {
    await ctx.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await ctx.db.query(`UPDATE audit_log SET details = '{"n": 999}'::jsonb WHERE id = 5`);
    expect(await verifyAudit(ctx.db)).toMatchObject({
      ok: false,
      brokenAt: 5,
      checked: 4,
      problem: expect.stringMatching(/changed/),
    });
    await ctx.db.query('DELETE FROM audit_log WHERE id = 5');
    expect(await verifyAudit(ctx.db)).toMatchObject({
      ok: false,
      brokenAt: 6,
      problem: expect.stringMatching(/removed/),
    });
    await ctx.db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
  });
});
