/** The `qingcang` command as a user runs it: a child process on a temporary data directory. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../db/pglite.ts';
import { csvText, EN_HEADER, personRow } from '../modules/registry/import/test-fixtures.ts';
import { buildFhirResultsBundle } from '../modules/testing/fhir/parse-results.ts';
import { explain } from './main.ts';

const BIN = join(import.meta.dirname, '../../bin/qingcang.js');
let dir: string;

function run(args: string[], extraEnv: Record<string, string> = {}, input?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, QINGCANG_DATA_DIR: dir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  Object.assign(env, extraEnv);
  // V8's baseline compiler only: each short-lived process would otherwise spend about 1.5 s optimising the
  // embedded database's WebAssembly it then exits before using (the product runs with V8's defaults).
  const r = spawnSync(process.execPath, ['--liftoff-only', BIN, ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
    input,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('qingcang CLI', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qc-cli-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints help for every command', () => {
    const top = run(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['start', 'serve', 'seed', 'migrate', 'stats', 'import'])
      expect(top.stdout).toContain(cmd);
    expect(run(['seed', '--help']).stdout).toContain('--people');
  });

  it('migrates, seeds, and counts', () => {
    expect(run(['migrate']).stdout).toMatch(/applied 0001_foundation/);
    expect(run(['migrate']).stdout).toMatch(/nothing to apply/);
    const seed = run(['seed', '--people', '800', '--seed', '5', '--json']);
    expect(seed.code, seed.stderr).toBe(0);
    expect(JSON.parse(seed.stdout).people).toBe(800);
    const stats = run(['stats', '--json']);
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout);
    expect(s).toMatchObject({ database: 'pglite', persons: 800, areas: { communities: 1778 } });
    expect(s.rooms).toBeGreaterThan(0);
  });

  it('imports persons from a file: all or nothing, repeatable, bad rows listed', () => {
    const good = join(dir, 'people.csv');
    writeFileSync(good, csvText([EN_HEADER, ...Array.from({ length: 30 }, (_, i) => personRow(5000 + i))]));
    const first = run(['import', 'persons', good, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'committed', inserted: 30 });
    expect(first.stderr).toMatch(/importing: 30 rows/);
    const again = run(['import', 'persons', good]);
    expect(again.stdout).toMatch(/committed: 30 rows read, 0 inserted, 0 updated, 30 unchanged/);
    const bad = join(dir, 'bad.csv');
    const row = personRow(6000);
    row[3] = '220202999999';
    writeFileSync(bad, csvText([EN_HEADER, personRow(6001), row]));
    const rejected = run(['import', 'persons', bad]);
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toMatch(/line 3: area_code area_unknown/);
    expect(rejected.stderr).toMatch(/nothing was imported.*--valid-rows/);
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'id_number,name\n"unclosed\n');
    const b = run(['import', 'persons', broken]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/file_malformed|header_missing/);
    expect(JSON.parse(run(['stats', '--json']).stdout).persons).toBe(830);
  });

  it('plans and starts a round, shows its coverage, and refuses an unreadable results file', async () => {
    const plan = run(['round', 'plan', '--areas', '2202', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).totals.population).toBe(830);
    const started = run(['round', 'start', '--name', '第1轮', '--areas', '2202']);
    expect(started.stdout).toMatch(/round 1 "第1轮" started with \d+ sampling points/);
    const cov = run(['round', 'coverage', '1', '--area', '2202', '--json']);
    const rows = JSON.parse(cov.stdout);
    expect(rows.reduce((n: number, r: { residents: number }) => n + r.residents, 0)).toBe(830);
    expect(rows[0].stages).toHaveLength(4);
    expect(run(['round', 'coverage', '99', '--area', '2202']).code).toBe(2);
    const placed = run(['isolation', 'place', '--json']);
    expect(placed.code, placed.stderr).toBe(0);
    expect(JSON.parse(placed.stdout)).toMatchObject({ placed: 0, waiting: [] });
    expect(JSON.parse(run(['isolation', 'forecast']).stdout)).toMatchObject({ days: 3 });
    expect(JSON.parse(run(['isolation', 'board', '--date', '2022-03-14']).stdout)).toMatchObject({
      day: '2022-03-14',
    });
    const report = run(['report', '--lang', 'en']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^# 吉林市 COVID-19 daily report \(\d{4}-\d{2}-\d{2}\)/);
    expect(run(['report', '--format', 'xlsx']).stderr).toMatch(/needs --out/);
    expect(run(['report', '--date', '2100-01-01']).stderr).toMatch(/has not happened yet/);
    expect(run(['round', 'plan', '--areas', 'x']).code).toBe(2);
    const bad = join(dir, 'results.csv');
    writeFileSync(bad, '试管条码,检测结果,检测时间\nT0000001,maybe,2022-03-14 10:00\n');
    const r = run(['results', 'import', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/line 2: result_invalid/);

    // A scan file for the round: rows accepted, a bad one named by its line, and sent twice counted once.
    const db = await openPglite(dir);
    const people = await db.query<{ id: number }>('SELECT id FROM persons ORDER BY id LIMIT 3');
    const point = await db.query<{ id: number }>(
      'SELECT id FROM sampling_points WHERE round_id = 1 ORDER BY id LIMIT 1',
    );
    await db.close();
    const pointId = point.rows[0]?.id;
    const scans = join(dir, 'scans.csv');
    writeFileSync(
      scans,
      [
        '试管条码,人员编号,采样点编号,采样时间',
        ...people.rows.map((p) => `CLI00001,${p.id},${pointId},2022-03-14 10:00`),
        `CLI00001,99999999,${pointId},2022-03-14 10:01`,
      ].join('\n'),
    );
    const imported = run(['import', 'scans', scans, '--round', '1']);
    expect(imported.code, imported.stderr).toBe(3);
    expect(imported.stdout).toMatch(/4 rows: 3 accepted, 0 duplicates, 1 rejected; 1 tubes opened, 0 closed/);
    expect(imported.stdout).toMatch(/line 5: person_unknown: no person 99999999 in the registry/);
    expect(imported.stderr).toMatch(/1 row\(s\) were rejected/);
    const again = run(['import', 'scans', scans, '--round', '1', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: 0, duplicates: 3, rejected: 1 });
    const noRound = run(['import', 'scans', scans, '--round', '42']);
    expect([noRound.code, noRound.stderr]).toEqual([2, expect.stringMatching(/round 42 was not found/)]);

    // The rest of the round through the CLI: close, pack, ship, receive (送), then the lab's results (检、报).
    const closed = run(['tubes', 'close', 'CLI00001']);
    expect([closed.code, closed.stdout]).toEqual([0, 'CLI00001: ok\n']);
    expect(run(['tubes', 'close', 'CLI00001']).stdout).toBe('CLI00001: already\n');
    expect(run(['tubes', 'close', 'bad!']).code).toBe(2);
    const packed = run(['tubes', 'pack', 'CLIBOX01', 'CLI00001,NOSUCH01', '--round', '1']);
    expect(packed.code).toBe(3);
    expect(packed.stdout).toMatch(/CLI00001: ok\nNOSUCH01: rejected \(tube_unknown/);
    expect(run(['tubes', 'ship', 'CLIBOX01']).stdout).toBe('box CLIBOX01 shipped with 1 tube(s)\n');
    expect(run(['tubes', 'ship', 'CLIBOX01']).code).toBe(4); // a conflict with the box's state: shipped already
    expect(run(['tubes', 'receive', 'CLIBOX01', '--lab', '1']).stdout).toMatch(
      /received by lab 1 with 1 tube/,
    );
    const lis = join(dir, 'lis.csv');
    writeFileSync(lis, '试管条码,检测结果,检测时间\nCLI00001,阴性,2022-03-14 18:00\n');
    const resulted = run(['results', 'import', lis]);
    expect(resulted.code, resulted.stderr).toBe(0);
    expect(resulted.stdout).toMatch(/1 rows: 1 recorded/);
    // The same result as a FHIR bundle (sent later, another time): a duplicate; an unknown tube: nothing at all.
    const fhir = (tubes: string[]) =>
      JSON.stringify(
        buildFhirResultsBundle(
          tubes.map((t) => ({
            tubeBarcode: t,
            result: 'negative',
            ct: {},
            testedAt: '2022-03-14T10:05:00Z',
            sourceRef: '',
          })),
        ),
      );
    const bundleFile = join(dir, 'lis.json');
    writeFileSync(bundleFile, fhir(['CLI00001']));
    const dup = run(['results', 'import', bundleFile]);
    expect(dup.code, dup.stderr).toBe(0);
    expect(dup.stdout).toMatch(/collection bundle, 1 tube result\(s\), 0 antigen result\(s\): 1 duplicate/);
    writeFileSync(bundleFile, fhir(['CLI00001', 'NOSUCH02']));
    const refused = run(['results', 'import', bundleFile]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /nothing was recorded: 1 problem.*\n {2}Bundle\.entry\[1\]\.resource: tube_unknown/,
    );
    writeFileSync(bundleFile, '{"resourceType": "Bundle",');
    expect(run(['results', 'import', bundleFile])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read .* as JSON/),
    });
  }, 360_000); // some thirty CLI processes, each opening the database: 3-6 s each while the fuzz runs beside it

  it('exits with a precise code and message on bad input', () => {
    const again = run(['seed', '--people', '10']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/already holds a city.*--reset/);
    const bad = run(['seed', '--people', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/people must be a whole number/);
    const city = run(['seed', '--city', '9901', '--reset']);
    expect(city.code).toBe(2);
    expect(city.stderr).toMatch(/unknown city code 9901/);
    expect(run(['nonsense']).code).toBe(2);
    const url = run(['stats'], { DATABASE_URL: 'mysql://x' });
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/DATABASE_URL must start with postgres:\/\//);
  });

  it('manages accounts, tokens, the audit chain and retention from the command line', async () => {
    const created = run(
      ['user', 'create', '--username', 'ops.admin', '--role', 'admin', '--jurisdiction', '2202'],
      {},
      'a long admin passphrase 9\n',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/created ops.admin \(admin, 2202\)/);
    const weak = run(
      ['user', 'create', '--username', 'weak.one', '--role', 'tracer', '--jurisdiction', '2202'],
      {},
      'short\n',
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/12 characters/);
    const dup = run([
      'user',
      'create',
      '--username',
      'ops.admin',
      '--role',
      'admin',
      '--jurisdiction',
      '2202',
      '--generate-password',
    ]);
    expect(dup.code).toBe(4);
    const badRole = run([
      'user',
      'create',
      '--username',
      'x.y.z',
      '--role',
      'king',
      '--jurisdiction',
      '2202',
      '--generate-password',
    ]);
    expect(badRole.stderr).toMatch(/unknown role king/);
    const tok = run([
      'token',
      'create',
      '--name',
      'lab 1',
      '--role',
      'lab',
      '--jurisdiction',
      '220202',
      '--days',
      '7',
    ]);
    expect(tok.code, tok.stderr).toBe(0);
    expect(tok.stdout.trim()).toMatch(/^qct_[\w-]{40,}$/);

    const dry = run(['purge', '--before', '2100-01-01', '--reason', 'test']);
    expect(dry.code).toBe(2); // in the future
    const count = run(['purge', '--before', '2026-01-01', '--reason', 'emergency over', '--dry-run']);
    expect(count.code, count.stderr).toBe(0);
    expect(count.stdout).toMatch(/would anonymise 0 person/); // everyone was created after 2026-01-01 (wall clock)

    const ok = run(['audit', 'verify']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: \d+ entries verified/);
    const head = /head (\d+:[0-9a-f]{64})/.exec(ok.stdout)?.[1] as string;
    expect(head).toBeDefined();
    const published = JSON.parse(run(['audit', 'head']).stdout);
    expect(published.head).toBe(head);
    expect(run(['audit', 'verify', '--expect-head', head]).code).toBe(0);
    const [n, hash] = head.split(':');
    const cut = run(['audit', 'verify', '--expect-head', `${Number(n) + 5}:${hash}`]);
    expect(cut.code).toBe(6);
    expect(cut.stderr).toMatch(/removed from its end/);
    expect(run(['audit', 'verify', '--expect-head', 'nonsense']).code).toBe(2);
    const db = await openPglite(dir);
    await db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db.query("UPDATE audit_log SET reason = 'rewritten' WHERE id = (SELECT min(id) FROM audit_log)");
    await db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    await db.close();
    const broken = run(['audit', 'verify']);
    expect(broken.code).toBe(6);
    expect(broken.stderr).toMatch(/audit log broken at entry \d+: the entry was changed/);
  }, 360_000); // about twenty CLI processes, each opening the embedded database (3-6 s each under load)

  it('refuses to start in production without accounts, never with a default password', () => {
    const empty = mkdtempSync(join(tmpdir(), 'qc-prod-'));
    try {
      const r = run(['serve', '--production', '--port', '0'], { QINGCANG_DATA_DIR: empty });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/no accounts exist and this is production.*areas load.*user create/);
      expect(run(['areas', 'load', '--city', '2202'], { QINGCANG_DATA_DIR: empty }).stdout).toMatch(
        /loaded 1942 new areas of 吉林市/,
      );
      const admin = run(
        [
          'user',
          'create',
          '--username',
          'chief',
          '--role',
          'admin',
          '--jurisdiction',
          '2202',
          '--generate-password',
        ],
        { QINGCANG_DATA_DIR: empty },
      );
      expect(admin.stdout).toMatch(/one-time password: \w{16}/);
      expect(JSON.parse(run(['stats', '--json'], { QINGCANG_DATA_DIR: empty }).stdout).persons).toBe(0);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('creates demo accounts with one-time passwords on the first demo start', async () => {
    const demo = mkdtempSync(join(tmpdir(), 'qc-demo-'));
    try {
      expect(run(['seed', '--people', '300'], { QINGCANG_DATA_DIR: demo }).code).toBe(0);
      const env: NodeJS.ProcessEnv = { ...process.env, QINGCANG_DATA_DIR: demo, LOG_LEVEL: 'warn' };
      delete env.DATABASE_URL;
      const server = spawn(process.execPath, [BIN, 'start', '--port', '0'], { env });
      try {
        const out = await new Promise<string>((resolve, reject) => {
          let buf = '';
          server.stdout?.on('data', (d) => {
            buf += String(d);
            if (buf.includes('commander ')) resolve(buf);
          });
          server.on('exit', (c) => reject(new Error(`server exited ${c}`)));
        });
        const url = /serving on (http:\/\/\S+)/.exec(out)?.[1] as string;
        const password = /admin\s+(\w{16})/.exec(out)?.[1] as string;
        expect(password).toBeTruthy();
        const res = await fetch(`${url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password }),
        });
        expect(await res.json()).toMatchObject({ role: 'admin', must_change_password: true });
        expect((await fetch(`${url}/api/persons`)).status).toBe(401);
      } finally {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
    } finally {
      rmSync(demo, { recursive: true, force: true });
    }
  });

  it('refuses a login rate limit that is not a whole number, before serving', () => {
    const bad = run(['serve', '--port', '0'], { QINGCANG_LOGIN_RATE_LIMIT: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /QINGCANG_LOGIN_RATE_LIMIT must be a whole number from 1 to 100000, got "lots"/,
    );
  });

  it('refuses a second process on the same data directory while a server runs', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, QINGCANG_DATA_DIR: dir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const server: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        server.stdout?.on('data', (d) => {
          out += String(d);
          if (out.includes('is serving on')) setTimeout(resolve, 100);
        });
        server.on('exit', (c) => reject(new Error(`server exited ${c}`)));
      });
      const second = run(['stats']);
      expect(second.code).toBe(5);
      expect(second.stderr).toMatch(/in use by another qingcang process/);
    } finally {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    expect(server.exitCode).toBe(0); // graceful shutdown
    expect(run(['stats', '--json']).code).toBe(0); // the lock was released
  });
});

describe('exit codes for a database that is not there yet', () => {
  it('maps a server still starting or recovering, and a connection ended by it, to exit 5', () => {
    const starting = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    expect(explain(starting).code).toBe(5);
    expect(explain(starting).message).toMatch(/starting up or recovering.*again in a few seconds/);
    const ended = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(explain(ended).code).toBe(5);
    expect(explain(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).code).toBe(5);
    expect(explain(new Error('something else')).code).toBe(1);
  });
});

describe("the modules' errors, recognised without loading the modules", () => {
  it('maps each to its exit code and message', async () => {
    const { ResultsFileRejected } = await import('../modules/testing/results-file.ts');
    const { ImportFileError } = await import('../modules/registry/import/parse-rows.ts');
    const { DataDirLockedError } = await import('../db/lock.ts');
    const { SeedConflictError } = await import('../modules/registry/seed-city.ts');
    const { UnknownAreaError } = await import('../modules/registry/divisions.ts');
    const { ConfigError } = await import('../db/open.ts');
    const rejected = explain(
      new ResultsFileRejected([{ line: 3, code: 'tube_unknown', message: 'no such tube' }]),
    );
    expect(rejected.code).toBe(3);
    expect(rejected.message).toMatch(/nothing was recorded.*\n {2}line 3: tube_unknown: no such tube/s);
    const bad = explain(new ImportFileError('file_encoding', 'not UTF-8', 4));
    expect(bad).toEqual({ code: 2, message: 'line 4: not UTF-8 (file_encoding)' });
    expect(explain(new DataDirLockedError('/data')).code).toBe(5);
    expect(explain(new SeedConflictError('the registry is not empty')).code).toBe(4);
    expect(explain(new UnknownAreaError('no area 9999')).code).toBe(2);
    expect(explain(new ConfigError('DATABASE_URL is not a URL')).code).toBe(2);
    expect(explain(new RangeError('out of range')).code).toBe(2);
  });
});
