/**
 * Test helper: runs a suite on every backend available — PGlite (in memory) always, and PostgreSQL when
 * DATABASE_URL is set (each suite gets a fresh database of its own, dropped afterwards). A migrated database is a
 * copy of the run's template (./test-setup.ts, ./template.ts) when there is one.
 */
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { createTempDatabase } from './temp-database.ts';
import { openFromPgliteTemplate } from './template.ts';
import type { BackendKind, Db } from './types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The dump of a migrated PGlite database (./test-setup.ts). */
    pgliteTemplate: string | undefined;
    /** The migrated PostgreSQL template database (./test-setup.ts), when DATABASE_URL is set. */
    postgresTemplate: string | undefined;
  }
}

function provided<K extends 'pgliteTemplate' | 'postgresTemplate'>(key: K): string | undefined {
  try {
    return inject(key);
  } catch {
    return undefined; // not under vitest's global setup
  }
}

export function backendsUnderTest(): BackendKind[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
}

export async function openTestDb(
  kind: BackendKind,
  options: { migrate?: boolean } = {},
): Promise<{ db: Db; dispose: () => Promise<void> }> {
  const migrated = options.migrate !== false;
  if (kind === 'pglite') {
    const template = migrated ? provided('pgliteTemplate') : undefined;
    const db = template ? await openFromPgliteTemplate(template) : await openPglite();
    if (migrated) await migrate(db); // nothing to apply when copied from the template
    return { db, dispose: () => db.close() };
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set');
  const temp = await createTempDatabase(
    adminUrl,
    'qc_test',
    migrated ? provided('postgresTemplate') : undefined,
  );
  const db = await openPostgres(temp.url);
  if (migrated) await migrate(db);
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
