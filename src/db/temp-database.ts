/**
 * A throw-away PostgreSQL database next to DATABASE_URL's, for tests and benchmarks (the role needs CREATEDB);
 * a copy of `template` when given (./template.ts: a migrated one).
 */
import pg from 'pg';

export async function createTempDatabase(
  adminUrl: string,
  prefix = 'qc_tmp',
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: () => dropDatabase(adminUrl, name),
  };
}

/** Drops the database `name` next to `adminUrl`'s, ending its sessions. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
