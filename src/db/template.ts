/**
 * Migrated empty databases to copy, so a new one does not pay for initdb and every migration again.
 *
 * PGlite: most of opening an empty in-memory database is initdb inside WebAssembly (4–8 s on this 2-core machine
 * under load, and the 35 migrations a second more); loading the dump of a migrated one takes 1–2 s. The dump is a
 * file keyed by the migrations' checksums and PGlite's version, so an edited migration makes a new one.
 * PostgreSQL: a migrated template database, copied by `CREATE DATABASE … TEMPLATE` (a file copy, no migrations).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { loadMigrations, migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { dropDatabase } from './temp-database.ts';

/** What a template depends on: every migration's checksum and PGlite's version. */
export function templateKey(): string {
  const pgliteVersion = (
    JSON.parse(
      // The entry point is dist/index.*; its package.json is not exported.
      readFileSync(
        join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '../package.json'),
        'utf8',
      ),
    ) as { version: string }
  ).version;
  const h = createHash('sha256').update(pgliteVersion);
  for (const m of loadMigrations()) h.update(`${m.version}:${m.checksum}\n`);
  return h.digest('hex').slice(0, 16);
}

/**
 * The dump of a migrated empty PGlite database (made now if missing; several processes may race to make it,
 * each writes its own file and renames it into place). Returns its path.
 */
export async function ensurePgliteTemplate(dir = tmpdir()): Promise<string> {
  const path = join(dir, `qingcang-pglite-template-${templateKey()}.tar`);
  if (existsSync(path)) return path;
  const db = await openPglite();
  try {
    await migrate(db);
    if (!db.dumpDataDir) throw new Error('not an embedded database');
    const dump = await db.dumpDataDir();
    const part = `${path}.${process.pid}.part`;
    writeFileSync(part, new Uint8Array(await dump.arrayBuffer()));
    renameSync(part, path);
  } finally {
    await db.close();
  }
  return path;
}

/** A migrated empty PGlite database in memory, copied from the template at `path`. */
export async function openFromPgliteTemplate(path: string) {
  return openPglite(undefined, { loadDataDir: new Blob([readFileSync(path)]) });
}

/**
 * A migrated template database next to `adminUrl`'s, named for the migrations (made now if missing). Returns its
 * name and a function that drops it.
 */
export async function ensurePostgresTemplate(
  adminUrl: string,
): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `qc_template_${templateKey()}`;
  const u = new URL(adminUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) {
      const building = `${name}_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building}`);
      u.pathname = `/${building}`;
      const db = await openPostgres(u.toString());
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`).catch(async (err: unknown) => {
        // Another process made it meanwhile: keep theirs.
        await admin.query(`DROP DATABASE IF EXISTS ${building}`);
        if (!(err instanceof Error && /already exists/.test(err.message))) throw err;
      });
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    drop: () => dropDatabase(adminUrl, name),
  };
}
