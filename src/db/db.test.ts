import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../lib/errors.ts';
import { copyRows } from './bulk.ts';
import { BinaryCopyWriter } from './copy-binary.ts';
import { DataDirLockedError, lockDataDir } from './lock.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { sessionOptions } from './postgres.ts';
import { describeBackends } from './testing.ts';

describeBackends('db layer', (ctx) => {
  it('returns the same JavaScript types on both backends', async () => {
    const { rows } = await ctx.db.query<Record<string, unknown>>(
      `SELECT 1::int8 AS a, '2020-02-29'::date AS d, 2.5::numeric AS n, '{"x":1}'::jsonb AS j, ARRAY[1,2]::int8[] AS arr, count(*) AS c FROM (VALUES (1)) v`,
    );
    expect(rows[0]).toEqual({ a: 1, d: '2020-02-29', n: '2.5', j: { x: 1 }, arr: [1, 2], c: 1 });
  });

  it('counts rows alike on both backends: returned by a SELECT or RETURNING, else changed', async () => {
    await ctx.db.exec('CREATE TEMP TABLE rc (n int)');
    expect((await ctx.db.query('INSERT INTO rc SELECT generate_series(1, 3)')).rowCount).toBe(3);
    expect((await ctx.db.query('SELECT * FROM rc')).rowCount).toBe(3);
    expect((await ctx.db.query('SELECT * FROM rc WHERE n > 9')).rowCount).toBe(0);
    expect((await ctx.db.query('UPDATE rc SET n = n + 1 WHERE n < 3 RETURNING n')).rowCount).toBe(2);
    expect((await ctx.db.query('DELETE FROM rc WHERE n = 3')).rowCount).toBe(2);
    await ctx.db.exec('DROP TABLE rc');
  });

  it('bulk inserts with unnest in chunks and honours ON CONFLICT', async () => {
    await ctx.db.exec('CREATE TABLE bulk_t (id int8 PRIMARY KEY, name text, born date, ok bool)');
    const rows = Array.from({ length: 1234 }, (_, i) => [i, `n${i}`, '2001-01-01', i % 2 === 0]);
    const n = await ctx.db.bulkInsert(
      'bulk_t',
      [
        { name: 'id', type: 'int8' },
        { name: 'name', type: 'text' },
        { name: 'born', type: 'date' },
        { name: 'ok', type: 'bool' },
      ],
      rows,
      { chunkSize: 500 },
    );
    expect(n).toBe(1234);
    const again = await ctx.db.bulkInsert('bulk_t', [{ name: 'id', type: 'int8' }], [[1], [5000]], {
      onConflict: 'ON CONFLICT (id) DO NOTHING',
    });
    expect(again).toBe(1);
    const { rows: c } = await ctx.db.query<{ c: number }>('SELECT count(*) AS c FROM bulk_t');
    expect(c[0]?.c).toBe(1235);
  });

  it('rejects a malformed bulk row instead of writing part of it', async () => {
    await expect(ctx.db.bulkInsert('bulk_t', [{ name: 'id', type: 'int8' }], [[1, 2]])).rejects.toThrow(
      /2 values, expected 1/,
    );
    await expect(ctx.db.bulkInsert('bulk_t; DROP', [{ name: 'id', type: 'int8' }], [[1]])).rejects.toThrow(
      /identifier/,
    );
  });

  it('copies CSV from a byte stream, in and out of transactions, and fails whole on a bad row', async () => {
    await ctx.db.exec('CREATE TABLE copy_t (n int8 NOT NULL, label text)');
    async function* csv(lines: string[]) {
      // Split mid-line and mid-character, as a network stream would.
      const bytes = Buffer.from(lines.join(''));
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const lines = Array.from({ length: 300 }, (_, i) => `${i},"标签 ${i}, with a comma"\n`);
    expect(await ctx.db.copyFrom('COPY copy_t (n, label) FROM STDIN (FORMAT csv)', csv(lines))).toBe(300);
    const inTx = await ctx.db.transaction((tx) =>
      tx.copyFrom('COPY copy_t (n, label) FROM STDIN (FORMAT csv)', csv(['1000,x\n', '1001,\n'])),
    );
    expect(inTx).toBe(2);
    await expect(
      ctx.db.transaction((tx) =>
        tx.copyFrom('COPY copy_t (n, label) FROM STDIN (FORMAT csv)', csv(['2000,ok\n', 'two,bad\n'])),
      ),
    ).rejects.toThrow(/invalid input syntax/);
    const { rows } = await ctx.db.query<{ c: number; l: string; e: string | null }>(
      `SELECT count(*) AS c, (SELECT label FROM copy_t WHERE n = 7) AS l, (SELECT label FROM copy_t WHERE n = 1001) AS e FROM copy_t`,
    );
    expect(rows[0]).toEqual({ c: 302, l: '标签 7, with a comma', e: null });
    await expect(ctx.db.copyFrom('INSERT INTO copy_t VALUES (1)', csv([]))).rejects.toThrow(
      /COPY … FROM STDIN/,
    );
  });

  it('copies rows written in binary COPY format, across chunk boundaries', async () => {
    await ctx.db.exec('CREATE TABLE bin_t (n int8, label text, at timestamptz, tags text[], small int2)');
    const w = new BinaryCopyWriter(64); // tiny chunks: every row crosses one
    const rows: [number | null, string | null, number | null, string[]][] = [
      [1, 'a', Date.parse('2022-03-14T01:30:00.123Z'), []],
      [
        -5,
        '标签, "quoted"\ttab',
        Date.parse('1999-12-31T23:59:59.999Z'),
        ['isolated_in_pool', 'sampled_twice'],
      ],
      [2 ** 53 - 1, null, null, ['x']],
      [null, '', Date.parse('2038-01-19T03:14:08Z'), []],
    ];
    const chunks: Buffer[] = [];
    for (const [n, label, at, tags] of rows) {
      w.row(5)
        .int8(n)
        .text(label)
        .timestamptz(at)
        .textArray(tags)
        .int2(n === null ? null : -7);
      chunks.push(...w.take());
    }
    chunks.push(...w.end());
    expect(chunks.length).toBeGreaterThan(4);
    const copied = await ctx.db.copyFrom(
      'COPY bin_t (n, label, at, tags, small) FROM STDIN (FORMAT binary)',
      chunks,
    );
    expect(copied).toBe(4);
    const back = await ctx.db.query<{
      n: number | null;
      label: string | null;
      at: Date | null;
      tags: string[];
    }>('SELECT n, label, at, tags FROM bin_t');
    expect(back.rows).toEqual(
      rows.map(([n, label, at, tags]) => ({ n, label, at: at === null ? null : new Date(at), tags })),
    );
    expect(() => new BinaryCopyWriter().int8(1.5)).toThrow(/not an int8/);
    expect(() => new BinaryCopyWriter().int2(40_000)).toThrow(/not an int2/);
  });

  it('copies rows by column type (copyRows): the same values as an insert, nulls, and 20,000 rows in chunks', async () => {
    await ctx.db.exec(
      'CREATE TABLE copy_rows_t (id int8, n int4, s int2, name text, sex bpchar(1), born date, ok bool, at timestamptz)',
    );
    const columns = [
      { name: 'id', type: 'int8' },
      { name: 'n', type: 'int4' },
      { name: 's', type: 'int2' },
      { name: 'name', type: 'text' },
      { name: 'sex', type: 'bpchar' },
      { name: 'born', type: 'date' },
      { name: 'ok', type: 'bool' },
      { name: 'at', type: 'timestamptz' },
    ];
    const rows: unknown[][] = [
      [1, -2_000_000_000, 7, '王小明', 'M', '1999-12-31', true, new Date('2022-03-14T01:30:00Z')],
      [2, null, null, null, null, null, null, null],
      [3, 0, -1, '', 'F', '2000-01-01', false, '2000-01-01T00:00:00Z'],
      [4, 1, 1, 'x', 'F', '1935-02-28', true, null],
    ];
    expect(await copyRows(ctx.db, 'copy_rows_t', columns, rows)).toBe(4);
    const back = await ctx.db.query('SELECT * FROM copy_rows_t ORDER BY id');
    expect(back.rows).toEqual([
      {
        id: 1,
        n: -2_000_000_000,
        s: 7,
        name: '王小明',
        sex: 'M',
        born: '1999-12-31',
        ok: true,
        at: new Date('2022-03-14T01:30:00Z'),
      },
      { id: 2, n: null, s: null, name: null, sex: null, born: null, ok: null, at: null },
      {
        id: 3,
        n: 0,
        s: -1,
        name: '',
        sex: 'F',
        born: '2000-01-01',
        ok: false,
        at: new Date('2000-01-01T00:00:00Z'),
      },
      { id: 4, n: 1, s: 1, name: 'x', sex: 'F', born: '1935-02-28', ok: true, at: null },
    ]);
    const many = Array.from({ length: 20_000 }, (_, i) => [
      100 + i,
      i,
      1,
      `p${i}`,
      'M',
      '2001-05-06',
      i % 2 === 0,
      null,
    ]);
    expect(await copyRows(ctx.db, 'copy_rows_t', columns, many)).toBe(20_000);
    expect((await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM copy_rows_t')).rows[0]?.n).toBe(
      20_004,
    );
    await expect(copyRows(ctx.db, 'copy_rows_t', [{ name: 'id', type: 'numeric' }], [[1]])).rejects.toThrow(
      /cannot encode numeric/,
    );
    await expect(copyRows(ctx.db, 'copy_rows_t', columns, [[1, 2]])).rejects.toThrow(
      /has 2 values, expected 8/,
    );
    expect(() => new BinaryCopyWriter().date('14/03/2022')).toThrow(/not a date/);
    await ctx.db.exec('DROP TABLE copy_rows_t');
  });

  it('survives its connection being terminated mid-transaction (a PostgreSQL restart), then serves again', async () => {
    if (ctx.kind !== 'postgresql') return; // PGlite runs in the process: no connection to lose
    const run = ctx.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Another connection ends this one, as a fast shutdown does; the client is checked out and idle.
      await ctx.db.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await new Promise((r) => setTimeout(r, 300));
      await tx.query('SELECT 1');
    });
    const err = await run.catch((e: unknown) => e);
    expect(isDatabaseUnavailable(err), String(err)).toBe(true);
    // The broken connection was discarded, not returned to the pool: every later query works.
    for (let i = 0; i < 12; i++)
      expect((await ctx.db.query<{ x: number }>('SELECT 1 AS x')).rows[0]?.x).toBe(1);
  });

  it('runs its PostgreSQL sessions without JIT compilation, unless the URL asks for it', async () => {
    expect(sessionOptions('postgres://u:p@h:5432/d')).toBe('-c jit=off');
    expect(sessionOptions('postgres://u:p@h:5432/d?options=-c%20jit%3Don')).toBeUndefined();
    if (ctx.kind !== 'postgresql') return; // PGlite has no JIT
    // Every pooled connection, not only the first: three at once.
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        ctx.db.query<{ jit: string; pid: number }>(
          "SELECT current_setting('jit') AS jit, pg_backend_pid() AS pid, pg_sleep(0.1)",
        ),
      ),
    );
    expect(new Set(answers.map((a) => a.rows[0]?.pid)).size).toBe(3);
    expect(answers.map((a) => a.rows[0]?.jit)).toEqual(['off', 'off', 'off']);
  });

  it('rolls a failed transaction back whole', async () => {
    await ctx.db.exec('CREATE TABLE tx_t (id int PRIMARY KEY)');
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_t VALUES (1)');
        await tx.query('INSERT INTO tx_t VALUES (1)'); // duplicate key
      }),
    ).rejects.toThrow();
    const { rows } = await ctx.db.query<{ c: number }>('SELECT count(*) AS c FROM tx_t');
    expect(rows[0]?.c).toBe(0);
    const v = await ctx.db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_t VALUES (2)');
      return 'done';
    });
    expect(v).toBe('done');
  });

  it('migrations are recorded and safe to re-run', async () => {
    const again = await migrate(ctx.db);
    expect(again.applied).toEqual([]);
    const { rows } = await ctx.db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  it('refuses to run a migration edited after it was applied', async () => {
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'changed' } : m));
    await expect(migrate(ctx.db, edited)).rejects.toThrow(/changed after it was applied/);
  });
});

describe('PGlite data directory', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('persists data and refuses a second opener clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qc-lock-'));
    dirs.push(dir);
    const first = await openPglite(dir);
    await first.exec('CREATE TABLE keep (v text); INSERT INTO keep VALUES ($$kept$$)');
    await expect(openPglite(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(openPglite(dir)).rejects.toThrow(/in use by another qingcang process/);
    await first.close();
    const second = await openPglite(dir);
    const { rows } = await second.query<{ v: string }>('SELECT v FROM keep');
    expect(rows).toEqual([{ v: 'kept' }]);
    await second.close();
  });

  it('takes over at once a lock whose holder was killed, and never one whose holder lives', {
    timeout: 40_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qc-lock-'));
    dirs.push(dir);
    const script = `import { lockDataDir } from ${JSON.stringify(join(import.meta.dirname, 'lock.ts'))};
      await lockDataDir(process.argv[1]); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    // Alive: refused.
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Killed: taken over at once, not after the 10 s staleness.
    const started = Date.now();
    const release = await lockDataDir(dir);
    expect(Date.now() - started).toBeLessThan(5000);
    // The lock is kept fresh past the staleness threshold with its owner file inside (not taken as compromised).
    await new Promise((r) => setTimeout(r, 12_000));
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await release();
    expect(existsSync(join(dir, '.qingcang.lock'))).toBe(false);
    // A lock of a live process (pid 1) that stopped refreshing it (a frozen or another host's process) goes stale
    // after 10 s and is taken over, owner file and all.
    mkdirSync(join(dir, '.qingcang.lock'));
    writeFileSync(join(dir, '.qingcang.lock', 'owner.json'), JSON.stringify({ pid: 1, host: 'elsewhere' }));
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, '.qingcang.lock'), old, old);
    const taken = await lockDataDir(dir);
    await taken();
  });
});
