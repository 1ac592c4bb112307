import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { openTwinDb } from './world.ts';

const twinDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('qingcang-twin-'));

it("keeps a PGlite run's database in a temporary directory on disk, removed when the run is disposed", async () => {
  const before = twinDirs();
  const opened = await openTwinDb();
  expect(opened.backend).toBe('pglite');
  const made = twinDirs().filter((d) => !before.includes(d));
  expect(made).toHaveLength(1);
  const { rows } = await opened.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
  expect(rows[0]?.n).toBeGreaterThan(25);
  await opened.dispose();
  expect(twinDirs().filter((d) => made.includes(d))).toEqual([]);
});
