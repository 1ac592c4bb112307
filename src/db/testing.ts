/**
 * Test helper: runs a suite on every backend available — PGlite (in memory) always, and PostgreSQL when
 * DATABASE_URL is set (each suite gets a fresh database of its own, dropped afterwards).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { createTempDatabase } from './temp-database.ts';
import type { BackendKind, Db } from './types.ts';

export function backendsUnderTest(): BackendKind[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
}

export async function openTestDb(
  kind: BackendKind,
  options: { migrate?: boolean } = {},
): Promise<{ db: Db; dispose: () => Promise<void> }> {
  if (kind === 'pglite') {
    const db = await openPglite();
    if (options.migrate !== false) await migrate(db);
    return { db, dispose: () => db.close() };
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set');
  const temp = await createTempDatabase(adminUrl, 'qc_test');
  const db = await openPostgres(temp.url);
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    dispose: async () => {
      await db.close();
      await temp.drop();
    },
  };
}

/** `describeBackends('registry', (ctx) => { it(..., () => ctx.db.query(...)) })` */
export function describeBackends(
  name: string,
  body: (ctx: { db: Db; kind: BackendKind }) => void,
  options: { migrate?: boolean } = {},
) {
  for (const kind of backendsUnderTest()) {
    describe(`${name} [${kind}]`, () => {
      const ctx = { kind } as { db: Db; kind: BackendKind };
      let dispose: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const t = await openTestDb(kind, options);
        ctx.db = t.db;
        dispose = t.dispose;
      });
      afterAll(async () => {
        await dispose?.();
      });
      body(ctx);
    });
  }
}
