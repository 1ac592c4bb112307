/** Migrations 0034 and 0035 on a database that already holds feeds and scans: every row kept, in its partition. */
import { expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.ts';
import { seedCity } from '../modules/registry/seed-city.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { describeBackends } from './testing.ts';

describeBackends(
  'partitioning a database in use',
  (ctx) => {
    it('keeps every check-in, co-location, scan and sampled person, each in its partition', async () => {
      const all = loadMigrations();
      await migrate(
        ctx.db,
        all.filter((m) => m.version < 34),
      );
      await seedCity(ctx.db, {
        city: '2202',
        people: 100,
        seed: 5,
        clock: new ManualClock('2022-03-14T08:00:00Z'),
      });
      const area = (await ctx.db.query<{ code: string }>('SELECT area_code AS code FROM persons LIMIT 1'))
        .rows[0]?.code as string;
      await ctx.db.exec(`
        INSERT INTO rounds (name, starts_at, deadline_at, policy, created_by, created_at)
          VALUES ('r1', '2022-03-14', '2022-03-15', '{}', 't', '2022-03-14'),
                 ('r2', '2022-03-16', '2022-03-17', '{}', 't', '2022-03-16');
      `);
      const persons = (
        await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id LIMIT 3')
      ).rows.map((r) => Number(r.id));
      const rounds = (await ctx.db.query<{ id: number }>('SELECT id FROM rounds ORDER BY id')).rows.map((r) =>
        Number(r.id),
      );
      const venue = Number(
        (await ctx.db.query<{ id: number }>('SELECT id FROM venues ORDER BY id LIMIT 1')).rows[0]?.id,
      );
      for (const [i, p] of persons.entries()) {
        await ctx.db.query(
          'INSERT INTO checkins (person_id, venue_id, at, received_at) VALUES ($1, $2, $3, now())',
          [p, venue, new Date(`2022-03-1${4 + i}T10:00:00+08:00`)],
        );
        await ctx.db.query(
          `INSERT INTO colocations (person_id, cell_id, starts_at, ends_at, received_at)
           VALUES ($1, 'c1', $2, $2::timestamptz + interval '1 hour', now())`,
          [p, new Date(`2022-03-1${4 + i}T10:00:00+08:00`)],
        );
        const round = rounds[i % 2] as number;
        await ctx.db.query(
          `INSERT INTO scans (idempotency_key, round_id, tube_id, person_id, area_code, sampler, scanned_at, received_at)
           VALUES ($1, $2, $3, $4, $5, 's', now(), now())`,
          [`k${i}`, round, 100 + i, p, area],
        );
        await ctx.db.query(
          'INSERT INTO round_people (round_id, person_id, first_scanned_at) VALUES ($1, $2, now())',
          [round, p],
        );
      }
      await migrate(ctx.db, all);
      const where = async (table: string) =>
        (
          await ctx.db.query<{ part: string; n: number }>(
            `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ${table} GROUP BY 1 ORDER BY 1`,
          )
        ).rows;
      expect(await where('checkins')).toEqual([{ part: 'checkins_default', n: 3 }]);
      expect(await where('colocations')).toEqual([{ part: 'colocations_default', n: 3 }]);
      const [r1, r2] = rounds as [number, number];
      expect(await where('scans')).toEqual(
        [
          { part: `scans_r${r1}`, n: 2 },
          { part: `scans_r${r2}`, n: 1 },
        ].sort((a, b) => a.part.localeCompare(b.part)),
      );
      expect(await where('round_people')).toEqual(
        [
          { part: `round_people_r${r1}`, n: 2 },
          { part: `round_people_r${r2}`, n: 1 },
        ].sort((a, b) => a.part.localeCompare(b.part)),
      );
      // New rows still get ids after the copied ones.
      await ctx.db.query(
        `INSERT INTO scans (idempotency_key, round_id, tube_id, person_id, area_code, sampler, scanned_at, received_at)
         VALUES ('k-new', $1, 200, $2, $3, 's', now(), now())`,
        [r2, persons[0], area],
      );
      const ids = (await ctx.db.query<{ id: number }>('SELECT id FROM scans ORDER BY id')).rows.map((r) =>
        Number(r.id),
      );
      expect(new Set(ids).size).toBe(4);
    });
  },
  { migrate: false },
);
