import { expect, it } from 'vitest';
import { embeddedMaintenance } from './maintenance.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';

it('gives the embedded database the statistics and BRIN summaries autovacuum would', async () => {
  const db = await openPglite();
  try {
    await migrate(db);
    await db.exec(`CREATE TABLE upkeep (at timestamptz NOT NULL, n int NOT NULL);
      INSERT INTO upkeep SELECT timestamptz '2022-03-01' + g * interval '1 minute', g FROM generate_series(1, 50000) g;
      CREATE INDEX upkeep_at ON upkeep USING brin (at) WITH (pages_per_range = 8);`);
    const columnStats = async () =>
      (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'upkeep'"))
        .rows[0]?.n;
    const rows = async () =>
      (await db.query<{ n: number }>("SELECT reltuples::int AS n FROM pg_class WHERE relname = 'upkeep'"))
        .rows[0]?.n;
    await new Promise((r) => setTimeout(r, 1500));
    expect(await columnStats()).toBe(0); // never analysed: PGlite runs no autovacuum
    await db.exec('DELETE FROM upkeep WHERE n > 40000');
    const r = await embeddedMaintenance(db, { vacuum: true });
    expect(r.vacuumed).toBe(true);
    expect(await columnStats()).toBe(2); // both columns
    expect(await rows()).toBe(40000);
    // The rows added since are summarised on the next pass, once.
    await db.exec(
      "INSERT INTO upkeep SELECT timestamptz '2022-04-01' + g * interval '1 minute', g FROM generate_series(1, 20000) g",
    );
    expect((await embeddedMaintenance(db, { vacuum: false })).brinRanges).toBeGreaterThan(0);
    expect((await embeddedMaintenance(db, { vacuum: false })).brinRanges).toBe(0);
  } finally {
    await db.close();
  }
});
