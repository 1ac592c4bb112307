/**
 * Reads routed to a replica (src/db/replica.ts) and the server's choice of which requests may use it
 * (src/server/read-routing.ts). PostgreSQL only (PGlite has no replica). The "replica" here is a second pool on
 * the same database whose sessions are read-only (default_transaction_read_only), so every statement shows where
 * it ran (`transaction_read_only` is on there), and a write sent there fails as it would on a hot standby. The
 * streaming replica itself is exercised by `npm run bench -- replica`.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.ts';
import { buildApp } from '../server/app.ts';
import { WROTE_COOKIE } from '../server/read-routing.ts';
import { loginAs } from '../server/test-auth.ts';
import { migrate } from './migrate.ts';
import { openDb } from './open.ts';
import { openPostgres } from './postgres.ts';
import { isPlainRead, replicaReads, withReplica } from './replica.ts';
import { createTempDatabase } from './temp-database.ts';
import type { Db, Queryable } from './types.ts';

describe('isPlainRead', () => {
  it('lets plain reads through and keeps writes, locks and side effects on the primary', () => {
    for (const sql of [
      'SELECT 1',
      '  select id, created_at, locked_until FROM t',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'SELECT count(*) FROM stays WHERE status = $1',
    ])
      expect(isPlainRead(sql), sql).toBe(true);
    for (const sql of [
      'INSERT INTO t VALUES (1)',
      'WITH d AS (DELETE FROM t RETURNING 1) SELECT count(*) FROM d',
      'SELECT * FROM t FOR UPDATE',
      'SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED',
      "SELECT nextval('s')",
      "SELECT set_config('x.y', '1', false)",
      'SELECT pg_advisory_lock(1)',
      'UPDATE t SET a = 1',
      'BEGIN',
    ])
      expect(isPlainRead(sql), sql).toBe(false);
  });
});

/** A stand-in database that answers every query with `answer(sql)` and records where each went. */
function fakeDb(
  name: string,
  seen: string[],
  answer: (sql: string) => Record<string, unknown>[] = () => [],
): Db {
  return {
    kind: 'postgresql',
    query: async <T>(sql: string) => {
      const rows = answer(sql);
      if (!/pg_is_in_recovery/.test(sql)) seen.push(`${name}: ${sql}`);
      return { rows: rows as T[], rowCount: rows.length };
    },
    describe: () => ({ kind: 'postgresql', location: name }),
    close: async () => {},
  } as unknown as Db;
}
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the replica’s state', () => {
  it('keeps reads on the primary while the replica lags, and says so, until it has caught up', async () => {
    const seen: string[] = [];
    let lag = 0;
    const changes: string[] = [];
    const db = withReplica(
      fakeDb('primary', seen),
      fakeDb('replica', seen, (sql) => (/pg_is_in_recovery/.test(sql) ? [{ standby: true, lag }] : [])),
      {
        maxLagMs: 2000,
        checkEveryMs: 10,
        onChange: (up, why) => changes.push(`${up ? 'up' : 'down'}: ${why}`),
      },
    );
    try {
      await tick(30);
      await replicaReads({ open: true }, () => db.query('SELECT 1'));
      // One check over the limit is not lagging (the first record after a quiet spell); two in a row are.
      lag = 3.5;
      await tick(40);
      expect(db.replicaStats?.()).toMatchObject({ up: false, lagSeconds: 3.5, standby: true });
      await replicaReads({ open: true }, () => db.query('SELECT 2'));
      lag = 0.2;
      await tick(40);
      expect(db.replicaStats?.().up).toBe(true);
      await replicaReads({ open: true }, () => db.query('SELECT 3'));
      expect(seen).toEqual(['replica: SELECT 1', 'primary: SELECT 2', 'replica: SELECT 3']);
      expect(changes).toEqual(['down: 3.5 s behind', 'up: reachable and caught up']);
      // The lag check's own failures are no reads: nothing counted as a fallback.
      expect(db.replicaStats?.().fallbacks).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('does not leave service for one check that reads far behind (the first record after a quiet spell)', async () => {
    const lags = [0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const changes: string[] = [];
    const db = withReplica(
      fakeDb('primary', []),
      fakeDb('replica', [], (sql) =>
        /pg_is_in_recovery/.test(sql) ? [{ standby: true, lag: lags.shift() ?? 0 }] : [],
      ),
      { checkEveryMs: 10, onChange: (up, why) => changes.push(`${up ? 'up' : 'down'}: ${why}`) },
    );
    try {
      await tick(80);
      expect(changes).toEqual([]);
      expect(db.replicaStats?.().up).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('is back in service as soon as its check answers again, without waiting for a read', async () => {
    const seen: string[] = [];
    let down = false;
    const db = withReplica(
      fakeDb('primary', seen),
      fakeDb('replica', seen, (sql) => {
        if (down)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5440'), { code: 'ECONNREFUSED' });
        return /pg_is_in_recovery/.test(sql) ? [{ standby: true, lag: 0 }] : [];
      }),
      { checkEveryMs: 10, retryAfterMs: 60_000 },
    );
    try {
      down = true;
      await tick(40);
      expect(db.replicaStats?.()).toMatchObject({ up: false, lagSeconds: null, fallbacks: 0 });
      down = false;
      await tick(40);
      expect(db.replicaStats?.().up).toBe(true);
    } finally {
      await db.close();
    }
  });
});

const url = process.env.DATABASE_URL;

/** Where a statement ran: the read-only pool says 'on'. */
async function where(db: Queryable): Promise<'replica' | 'primary'> {
  const r = await db.query<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`);
  return r.rows[0]?.ro === 'on' ? 'replica' : 'primary';
}

function readOnlyUrl(u: string): string {
  const x = new URL(u);
  x.searchParams.set('options', '-c default_transaction_read_only=on');
  return x.toString();
}

describe.skipIf(!url)('reads on a replica [postgresql]', () => {
  let temp: { url: string; drop: () => Promise<void> };
  let db: Db;
  beforeAll(async () => {
    temp = await createTempDatabase(url as string, 'qc_replica');
    const primary = await openPostgres(temp.url);
    await primary.exec('CREATE TABLE notes (id serial PRIMARY KEY, body text)');
    await primary.exec(
      `CREATE FUNCTION note_it() RETURNS int LANGUAGE sql AS $$ INSERT INTO notes (body) VALUES ('hidden') RETURNING id $$`,
    );
    db = withReplica(primary, await openPostgres(readOnlyUrl(temp.url)), { retryAfterMs: 100 });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  it('sends a read scope’s plain reads to the replica and everything else to the primary', async () => {
    const scope = { open: true };
    expect(await where(db)).toBe('primary'); // no scope: background work, the CLI
    await replicaReads(scope, async () => {
      expect(await where(db)).toBe('replica');
      // A write in the scope (an audited read's entry) is not refused: it goes to the primary.
      await db.query(`INSERT INTO notes (body) VALUES ('in scope')`);
      expect(await db.transaction((tx) => where(tx))).toBe('primary');
      // An export streams from the replica.
      let out = '';
      for await (const chunk of db.copyTo(`COPY (SELECT current_setting('transaction_read_only')) TO STDOUT`))
        out += chunk.toString();
      expect(out.trim()).toBe('on');
    });
    const before = db.replicaStats?.();
    // A closed scope (its request answered) reads from the primary, also in a timer the request started.
    scope.open = false;
    await replicaReads(scope, async () => expect(await where(db)).toBe('primary'));
    expect(db.replicaStats?.().readsOnReplica).toBe(before?.readsOnReplica);
    const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM notes');
    expect(Number(rows.rows[0]?.n)).toBe(1);
  });

  it('answers from the primary what the replica refuses: a write hidden in a function', async () => {
    const before = db.replicaStats?.().fallbacks ?? 0;
    await replicaReads({ open: true }, async () => {
      const r = await db.query<{ id: number }>('SELECT note_it() AS id');
      expect(r.rows[0]?.id).toBeGreaterThan(0);
    });
    expect(db.replicaStats?.().fallbacks).toBe(before + 1);
    expect(db.replicaStats?.().up).toBe(true); // a refusal is not an outage
  });

  it('passes on the replica’s own errors in SQL (the primary would give the same)', async () => {
    await expect(replicaReads({ open: true }, () => db.query('SELECT * FROM no_such_table'))).rejects.toThrow(
      /no_such_table/,
    );
  });

  it('reports a read-only copy as no standby, caught up', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const s = db.replicaStats?.();
    expect(s?.standby).toBe(false);
    expect(s?.lagSeconds).toBe(0);
  });

  it('reads from the primary while the replica is unreachable, and tries it again later', async () => {
    const changes: string[] = [];
    const primary = await openPostgres(temp.url);
    const dead = await openPostgres('postgres://qingcang:x@127.0.0.1:1/none', {
      probe: false,
      connectionTimeoutMillis: 500,
    });
    const routed = withReplica(primary, dead, {
      retryAfterMs: 100,
      checkEveryMs: 60_000,
      onChange: (up, why) => changes.push(`${up ? 'up' : 'down'}: ${why.split(':')[0]}`),
    });
    try {
      await replicaReads({ open: true }, async () => {
        expect(await where(routed)).toBe('primary');
        expect(routed.replicaStats?.().up).toBe(false);
        expect(await where(routed)).toBe('primary'); // not tried again at once
        await new Promise((r) => setTimeout(r, 150));
        expect(await where(routed)).toBe('primary'); // tried again, failed again
      });
      const s = routed.replicaStats?.();
      expect(s?.readsOnReplica).toBe(0);
      expect(s?.readsOnPrimary).toBe(3);
      expect(changes.filter((c) => c.startsWith('down: unreachable')).length).toBeGreaterThanOrEqual(2);
      expect(changes).toContain('up: retrying after a failure');
    } finally {
      await routed.close();
    }
  });

  it('is refused with PGlite, and for a URL that is not PostgreSQL', async () => {
    await expect(openDb({ replicaUrl: temp.url, dataDir: 'memory://' })).rejects.toThrow(
      /DATABASE_REPLICA_URL needs DATABASE_URL/,
    );
    await expect(openDb({ databaseUrl: temp.url, replicaUrl: 'mysql://x' })).rejects.toThrow(
      /DATABASE_REPLICA_URL must start with postgres/,
    );
  });
});

describe.skipIf(!url)('which requests read from the replica [postgresql]', () => {
  let temp: { url: string; drop: () => Promise<void> };
  let db: Db;
  let app: FastifyInstance;
  let other: FastifyInstance;
  const clock = new ManualClock('2026-12-07T02:00:00Z');
  beforeAll(async () => {
    temp = await createTempDatabase(url as string, 'qc_replica');
    const primary = await openPostgres(temp.url);
    await migrate(primary);
    await primary.exec(
      `INSERT INTO areas (code, parent_code, level, name) VALUES ('22', NULL, 1, '吉林省'), ('2202', '22', 2, '吉林市'),
         ('220202', '2202', 3, '昌邑区'), ('2201', '22', 2, '长春市')`,
    );
    db = withReplica(primary, await openPostgres(readOnlyUrl(temp.url)));
    app = await buildApp({ db, clock, logger: false, loginRateLimit: 100_000, replicaStickyMs: 300 });
    // A second API process on the same databases: it learns of a browser's write from the cookie only.
    other = await buildApp({ db, clock, logger: false, loginRateLimit: 100_000, replicaStickyMs: 300 });
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
    await db?.close();
    await temp?.drop();
  });

  it('serves GETs from the replica, and a caller’s reads from the primary for a while after their write', async () => {
    const admin = await loginAs(app, db, 'admin', '2202');
    const onReplica = () => db.replicaStats?.().readsOnReplica ?? 0;
    const list = (server: FastifyInstance, cookie = admin.headers.cookie) =>
      server.inject({ method: 'GET', url: '/api/users', headers: { ...admin.headers, cookie } });

    let before = onReplica();
    expect((await list(app)).statusCode).toBe(200);
    expect(onReplica()).toBeGreaterThan(before);

    const made = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin.headers,
      payload: { username: 'new-sampler', display_name: '新采样员', role: 'sampler', jurisdiction: '220202' },
    });
    expect(made.statusCode).toBe(200);
    const wrote = made.cookies.find((c) => c.name === WROTE_COOKIE);
    expect(wrote?.path).toBe('/api');
    expect(wrote?.httpOnly).toBe(true);

    // The same process, at once: the primary, and the new account is there.
    before = onReplica();
    const after = await list(app);
    expect(after.json().items.map((u: { username: string }) => u.username)).toContain('new-sampler');
    expect(onReplica()).toBe(before);
    expect(db.replicaStats?.().readsAfterWrite).toBeGreaterThan(0);
    // Another process: the cookie steers it to the primary too; without the cookie it would use the replica.
    const withCookie = `${admin.headers.cookie}; ${WROTE_COOKIE}=${wrote?.value}`;
    expect((await list(other, withCookie)).statusCode).toBe(200);
    expect(onReplica()).toBe(before);
    expect((await list(other)).statusCode).toBe(200);
    expect(onReplica()).toBeGreaterThan(before);

    // Once the write is older than the sticky time, the replica again.
    await new Promise((r) => setTimeout(r, 350));
    before = onReplica();
    await list(app, withCookie);
    expect(onReplica()).toBeGreaterThan(before);
  });

  it('checks the primary’s health, never the replica’s, and reports the replica beside it', async () => {
    const before = db.replicaStats?.().readsOnReplica;
    const r = await app.inject({ method: 'GET', url: '/api/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json().replica).toEqual({ up: true, lag_s: 0 });
    expect(db.replicaStats?.().readsOnReplica).toBe(before);
  });

  it('keeps refused writes from steering reads, and other callers read from the replica meanwhile', async () => {
    const admin = await loginAs(app, db, 'admin', '2202');
    const viewer = await loginAs(app, db, 'admin', '2202');
    const refused = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin.headers,
      payload: { username: 'x', display_name: 'x', role: 'sampler', jurisdiction: '2201' }, // another city
    });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.cookies.find((c) => c.name === WROTE_COOKIE)).toBeUndefined();
    const before = db.replicaStats?.().readsOnReplica ?? 0;
    await app.inject({ method: 'GET', url: '/api/users', headers: admin.headers });
    await app.inject({ method: 'GET', url: '/api/users', headers: viewer.headers });
    expect(db.replicaStats?.().readsOnReplica).toBeGreaterThanOrEqual(before + 2);
  });
});
