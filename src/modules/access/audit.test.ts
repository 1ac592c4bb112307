import { expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { appendAudit, canonicalJson, verifyAudit } from './audit.ts';
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
    expect(await verifyAudit(ctx.db)).toEqual({ ok: true, checked: 30 });
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
