import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { openTwinDb } from './world.ts';

const twinDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('qingcang-twin-'));

it("keeps a PGlite run's database in a temporary directory on disk, removed when the run is disposed", async () => {
  const opened = await openTwinDb();
  expect(opened.backend).toBe('pglite');
  // Its own directory (other test files may make theirs at the same time).
  const dir = opened.dir as string;
  expect(twinDirs()).toContain(basename(dir));
  const { rows } = await opened.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
  expect(rows[0]?.n).toBeGreaterThan(25);
  await opened.dispose();
  expect(existsSync(dir)).toBe(false);
});
