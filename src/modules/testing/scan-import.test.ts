/** Bulk scan files: the batch API's rules applied to whole files, on both backends. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { makeIdNumber } from '../../domain/id-number.ts';
import { handmadeXlsx } from '../registry/import/fixtures/handmade-xlsx.ts';
import { ImportFileError } from '../registry/import/parse-rows.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createRound } from './rounds.ts';
import { importScanFile, type ScanImportOptions } from './scan-import.ts';
import { recordScans } from './scans.ts';

const clock = new ManualClock('2022-03-14T06:00:00Z');

describeBackends('bulk scan files', (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'qc-scan-import-'));
  let roundId: number;
  let otherRound: number;
  let points: { id: number; area_code: string }[];
  let people: { id: number; id_number: string; area_code: string }[];
  let n = 0;
  const file = (name: string, body: string | Buffer) => {
    const path = join(dir, `${n++}-${name}`);
    writeFileSync(path, body);
    return path;
  };
  const opts = (over: Partial<ScanImportOptions> = {}): ScanImportOptions => ({
    roundId,
    fileName: 'scans.csv',
    uploader: 'user:bulk',
    scopePrefix: '2202',
    ...over,
  });
  const tube = async (barcode: string) =>
    (
      await ctx.db.query<{ members: number; status: string; pool_size: number; closed_at: Date | null }>(
        'SELECT members, status, pool_size, closed_at FROM tubes WHERE barcode = $1',
        [barcode],
      )
    ).rows[0];
  const count = async (sql: string, params: unknown[] = []) =>
    (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]?.n;

  beforeAll(async () => {
    clock.set('2022-03-14T06:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 3000, seed: 5, clock });
    const r = await ctx.db.transaction((tx) =>
      createRound(tx, clock, { name: '第1轮', areas: ['2202'], createdBy: 'test' }, ''),
    );
    roundId = r.round.id;
    const o = await ctx.db.transaction((tx) =>
      createRound(tx, clock, { name: '第2轮', areas: ['2202'], createdBy: 'test' }, ''),
    );
    otherRound = o.round.id;
    points = (
      await ctx.db.query<{ id: number; area_code: string }>(
        'SELECT id, area_code FROM sampling_points WHERE round_id = $1 ORDER BY id',
        [roundId],
      )
    ).rows;
    people = (
      await ctx.db.query<{ id: number; id_number: string; area_code: string }>(
        'SELECT id, id_number, area_code FROM persons ORDER BY id',
      )
    ).rows;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers a clean file: tubes open and close at their pool size, people join the round', async () => {
    const p0 = points[0] as { id: number };
    const lines = ['\uFEFF采样记录号,试管条码,人员编号,身份证号,采样点编号,采样时间,混采数'];
    // 25 people into 10-in-1 tubes: A full, B full, C holds 5 (left open).
    for (let i = 0; i < 25; i++) {
      const p = people[i] as { id: number };
      const t = ['BULK-A', 'BULK-B', 'BULK-C'][Math.floor(i / 10)];
      lines.push(
        `k-clean-${String(i).padStart(4, '0')},${t},${p.id},,${p0.id},2022-03-14 09:${String(i).padStart(2, '0')},10`,
      );
    }
    // One by ID number of a registered person, one traveller with a valid ID number.
    const traveller = makeIdNumber('110101', '1990-01-01', 7);
    lines.push(
      `k-clean-idn-1,BULK-C,,${(people[30] as { id_number: string }).id_number.toLowerCase()},${p0.id},2022-03-14T01:40:00Z,`,
    );
    lines.push(`k-clean-idn-2,BULK-C,,${traveller},${p0.id},2022-03-14T09:41:00+08:00,`);
    const report = await importScanFile(
      ctx.db,
      clock,
      file('clean.csv', `${lines.join('\r\n')}\r\n\r\n`),
      opts(),
    );
    expect(report).toMatchObject({
      rows: 27,
      accepted: 27,
      duplicates: 0,
      rejected: 0,
      flags: { not_in_registry: 1 },
      tubes_opened: 3,
      tubes_closed: 2,
      problems: [],
      rechecked: { keys: false, retries: 0 },
    });
    expect(await tube('BULK-A')).toMatchObject({ members: 10, status: 'closed', pool_size: 10 });
    // Closed at its last sample (Beijing time without an offset).
    expect((await tube('BULK-B'))?.closed_at?.toISOString()).toBe('2022-03-14T01:19:00.000Z');
    expect(await tube('BULK-C')).toMatchObject({ members: 7, status: 'open', closed_at: null });
    expect(await count('round_people WHERE round_id = $1', [roundId])).toBe(26);
    const trav = await ctx.db.query<{
      id_number: string;
      person_id: number | null;
      flags: string[];
      sampler: string;
    }>(`SELECT id_number, person_id, flags, sampler FROM scans WHERE idempotency_key = 'k-clean-idn-2'`);
    expect(trav.rows[0]).toEqual({
      id_number: traveller,
      person_id: null,
      flags: ['not_in_registry'],
      sampler: 'user:bulk',
    });
    const reg = await ctx.db.query<{ person_id: number }>(
      `SELECT person_id FROM scans WHERE idempotency_key = 'k-clean-idn-1'`,
    );
    expect(reg.rows[0]?.person_id).toBe((people[30] as { id: number }).id);
  });

  it('never counts a file twice: sent again, every row is a duplicate and nothing changes', async () => {
    const before = await count('scans WHERE round_id = $1', [roundId]);
    const p0 = points[0] as { id: number };
    const body = ['key,tube,person_id,point_id,scanned_at'];
    for (let i = 0; i < 5; i++)
      body.push(
        `k-twice-${i}0000,BULK-D,${(people[100 + i] as { id: number }).id},${p0.id},2022-03-14T02:00:00Z`,
      );
    const path = file('again.csv', body.join('\n'));
    const first = await importScanFile(ctx.db, clock, path, opts());
    expect(first.accepted).toBe(5);
    const again = await importScanFile(ctx.db, clock, path, opts());
    expect(again).toMatchObject({ rows: 5, accepted: 0, duplicates: 5, rejected: 0, tubes_opened: 0 });
    expect(again.rechecked).toEqual({ keys: true, retries: 0 });
    expect(again.duplicate_lines).toEqual([2, 3, 4, 5, 6]);
    expect(await count('scans WHERE round_id = $1', [roundId])).toBe((before as number) + 5);
    expect(await tube('BULK-D')).toMatchObject({ members: 5, status: 'open' });
  });

  it('answers a file sent again as duplicates even when its tubes have closed since', async () => {
    const p0 = points[0] as { id: number };
    const body = ['key,tube,person_id,point_id,scanned_at,pool_size'];
    for (let i = 0; i < 3; i++)
      body.push(
        `k-closed-${i}0000,SINGLE-${i},${(people[150 + i] as { id: number }).id},${p0.id},2022-03-14T02:00:00Z,1`,
      );
    const path = file('singles.csv', body.join('\n'));
    expect(await importScanFile(ctx.db, clock, path, opts())).toMatchObject({ accepted: 3, tubes_closed: 3 });
    const again = await importScanFile(ctx.db, clock, path, opts());
    expect(again).toMatchObject({ accepted: 0, duplicates: 3, rejected: 0, rechecked: { keys: true } });
  });

  it('flags people sampled twice (in the file, or before it) and keeps the first answer of a repeated key', async () => {
    const p0 = points[0] as { id: number };
    const a = people[200] as { id: number };
    const b = people[201] as { id: number };
    // b was scanned through the batch API first.
    await ctx.db.transaction((tx) =>
      recordScans(tx, clock, { roundId, sampler: 'user:phone', defaultPoolSize: 20 }, [
        {
          key: 'phone-b-000001',
          tube: 'PHONE-1',
          personId: b.id,
          pointId: p0.id,
          scannedAt: new Date('2022-03-14T02:00:00Z'),
        },
      ]),
    );
    const body = [
      'key,tube,person_id,point_id,scanned_at',
      `dup-key-00001,BULK-E,${a.id},${p0.id},2022-03-14T02:10:00Z`,
      `dup-key-00001,BULK-E,${b.id},${p0.id},2022-03-14T02:11:00Z`,
      `dup-key-00002,BULK-E,${a.id},${p0.id},2022-03-14T02:12:00Z`,
      `dup-key-00003,BULK-E,${b.id},${p0.id},2022-03-14T02:13:00Z`,
    ];
    const r = await importScanFile(ctx.db, clock, file('twice.csv', body.join('\n')), opts());
    expect(r).toMatchObject({
      accepted: 3,
      duplicates: 1,
      duplicate_lines: [3],
      flags: { sampled_twice: 2 },
    });
    expect(r.rechecked).toEqual({ keys: true, retries: 0 });
    const flags = await ctx.db.query<{ idempotency_key: string; flags: string[] }>(
      `SELECT idempotency_key, flags FROM scans WHERE idempotency_key LIKE 'dup-key-%' ORDER BY 1`,
    );
    expect(flags.rows).toEqual([
      { idempotency_key: 'dup-key-00001', flags: [] },
      { idempotency_key: 'dup-key-00002', flags: ['sampled_twice'] },
      { idempotency_key: 'dup-key-00003', flags: ['sampled_twice'] },
    ]);
    expect(await tube('BULK-E')).toMatchObject({ members: 3 });
  });

  it('rejects each bad row with its code and line, and registers the rest', async () => {
    const [p0, far] = [
      points[0] as { id: number; area_code: string },
      points.at(-1) as { id: number; area_code: string },
    ];
    expect(far.area_code.slice(0, 6)).not.toBe(p0.area_code.slice(0, 6));
    const pid = (i: number) => (people[300 + i] as { id: number }).id;
    // A tube closed before, one of another round, one that overflows.
    await ctx.db.transaction(async (tx) => {
      await recordScans(tx, clock, { roundId, sampler: 'user:phone', defaultPoolSize: 20 }, [
        {
          key: 'phone-closed-01',
          tube: 'CLOSED-1',
          personId: pid(90),
          pointId: p0.id,
          scannedAt: new Date('2022-03-14T02:00:00Z'),
          poolSize: 1,
        },
      ]);
      const o = await tx.query<{ id: number }>('SELECT id FROM sampling_points WHERE round_id = $1 LIMIT 1', [
        otherRound,
      ]);
      await recordScans(tx, clock, { roundId: otherRound, sampler: 'user:phone', defaultPoolSize: 20 }, [
        {
          key: 'phone-other-01',
          tube: 'OTHER-1',
          personId: pid(91),
          pointId: o.rows[0]?.id as number,
          scannedAt: new Date('2022-03-14T02:00:00Z'),
        },
      ]);
    });
    const rows: [string, string][] = [
      ['ok', `bad-00000001,BAD-OK,${pid(0)},,${p0.id},2022-03-14 10:00,`],
      ['key_invalid', `short,BAD-OK,${pid(1)},,${p0.id},2022-03-14 10:00,`],
      ['tube_invalid', `bad-00000003,T!,${pid(2)},,${p0.id},2022-03-14 10:00,`],
      ['person_missing', `bad-00000004,BAD-OK,,,${p0.id},2022-03-14 10:00,`],
      ['person_missing', `bad-00000005,BAD-OK,${pid(4)},110101199001010074,${p0.id},2022-03-14 10:00,`],
      ['person_id_invalid', `bad-00000006,BAD-OK,12x,,${p0.id},2022-03-14 10:00,`],
      ['point_invalid', `bad-00000007,BAD-OK,${pid(6)},,p1,2022-03-14 10:00,`],
      ['point_unknown', `bad-00000008,BAD-OK,${pid(7)},,999999999,2022-03-14 10:00,`],
      ['point_out_of_scope', `bad-00000009,BAD-OK,${pid(8)},,${far.id},2022-03-14 10:00,`],
      ['person_unknown', `bad-00000010,BAD-OK,987654321,,${p0.id},2022-03-14 10:00,`],
      ['scanned_at_invalid', `bad-00000011,BAD-OK,${pid(10)},,${p0.id},yesterday,`],
      ['scanned_at_invalid', `bad-00000012,BAD-OK,${pid(11)},,${p0.id},2022-02-30 10:00,`],
      ['pool_size_invalid', `bad-00000013,BAD-OK,${pid(12)},,${p0.id},2022-03-14 10:00,99`],
      ['id_check_digit', `bad-00000014,BAD-OK,,110101199001010070,${p0.id},2022-03-14 10:00,`],
      ['tube_closed', `bad-00000015,CLOSED-1,${pid(14)},,${p0.id},2022-03-14 10:00,`],
      ['tube_other_round', `bad-00000016,OTHER-1,${pid(15)},,${p0.id},2022-03-14 10:00,`],
      ['ok', `bad-00000017,FULL-1,${pid(16)},,${p0.id},2022-03-14 10:00,2`],
      ['ok', `bad-00000018,FULL-1,${pid(17)},,${p0.id},2022-03-14 10:01,2`],
      ['tube_full', `bad-00000019,FULL-1,${pid(18)},,${p0.id},2022-03-14 10:02,2`],
      ['scanned_at_invalid', `bad-00000020,BAD-OK,${pid(19)},,${p0.id},1970-01-01 08:00,`],
      ['scanned_at_future', `bad-00000021,BAD-OK,${pid(20)},,${p0.id},2031-03-14 10:00,`],
    ];
    const body = [
      'key,tube,person_id,id_number,point_id,scanned_at,pool_size',
      ...rows.map((r) => r[1]),
      ',,,,,,',
    ];
    const scopePrefix = p0.area_code.slice(0, 6);
    const r = await importScanFile(ctx.db, clock, file('bad.csv', body.join('\n')), opts({ scopePrefix }));
    const expected = rows.flatMap(([code], i) => (code === 'ok' ? [] : [{ line: i + 2, code }]));
    expect(r.problems.map(({ line, code }) => ({ line, code }))).toEqual(expected);
    expect(r).toMatchObject({ rows: rows.length, accepted: 3, rejected: rows.length - 3, duplicates: 0 });
    for (const p of r.problems) expect(p.message.length).toBeGreaterThan(10);
    expect(r.problems.find((p) => p.code === 'scanned_at_invalid')?.message).toContain('yesterday');
    expect(r.problems.find((p) => p.code === 'id_check_digit')?.message).toMatch(/check/i);
    expect(await tube('FULL-1')).toMatchObject({ members: 2, status: 'closed' });
    expect(await tube('CLOSED-1')).toMatchObject({ members: 1, status: 'closed' });
    expect(await tube('OTHER-1')).toMatchObject({ members: 1 });
    expect(await count(`scans WHERE idempotency_key LIKE 'bad-%'`)).toBe(3);
  });

  it('checks people the same way against the whole registry read at once (big files)', async () => {
    const p0 = points[0] as { id: number };
    for (const [k, wholeRegistry] of [true, false].entries()) {
      const [known, isolated, purged] = people.slice(700 + 3 * k, 703 + 3 * k) as { id: number }[];
      await ctx.db.query(
        `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', NULL, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
        [isolated?.id],
      );
      await ctx.db.query('UPDATE persons SET purged_at = now(), id_number = NULL WHERE id = $1', [
        purged?.id,
      ]);
      const body = [
        'tube,person_id,point_id,scanned_at,pool_size',
        `WHOLE${k}-1,${known?.id},${p0.id},2022-03-14 10:00,20`,
        `WHOLE${k}-1,${isolated?.id},${p0.id},2022-03-14 10:00,20`,
        `WHOLE${k}-1,${purged?.id},${p0.id},2022-03-14 10:00,20`,
        `WHOLE${k}-2,${isolated?.id},${p0.id},2022-03-14 10:05,1`,
      ];
      const r = await importScanFile(
        ctx.db,
        clock,
        file('whole.csv', body.join('\n')),
        opts({ wholeRegistry }),
      );
      expect(r, `whole registry: ${wholeRegistry}`).toMatchObject({
        accepted: 3,
        rejected: 1,
        rejected_by_code: { person_unknown: 1 },
        // In the pool: flagged; alone in a single tube: as it should be (and a second scan in the round).
        flags: { isolated_in_pool: 1, sampled_twice: 1 },
        problems: [{ line: 4, code: 'person_unknown' }],
      });
    }
  });

  it('adds to a tube a phone started, and refuses a closed round', async () => {
    const p0 = points[0] as { id: number };
    await ctx.db.transaction((tx) =>
      recordScans(
        tx,
        clock,
        { roundId, sampler: 'user:phone', defaultPoolSize: 20 },
        [0, 1, 2].map((i) => ({
          key: `phone-mix-${i}00000`,
          tube: 'MIX-1',
          personId: (people[400 + i] as { id: number }).id,
          pointId: p0.id,
          scannedAt: new Date('2022-03-14T02:00:00Z'),
          poolSize: 5,
        })),
      ),
    );
    const body = ['key,tube,person_id,point_id,scanned_at'];
    for (const i of [3, 4])
      body.push(
        `file-mix-${i}0000,MIX-1,${(people[400 + i] as { id: number }).id},${p0.id},2022-03-14T02:05:00Z`,
      );
    const r = await importScanFile(ctx.db, clock, file('mix.csv', body.join('\n')), opts());
    expect(r).toMatchObject({ accepted: 2, tubes_opened: 0, tubes_closed: 1 });
    expect(await tube('MIX-1')).toMatchObject({ members: 5, status: 'closed' });
    await ctx.db.query(`UPDATE rounds SET status = 'closed' WHERE id = $1`, [otherRound]);
    await expect(
      importScanFile(ctx.db, clock, file('closed.csv', body.join('\n')), opts({ roundId: otherRound })),
    ).rejects.toMatchObject({
      code: 'round_closed',
    });
  });

  it('makes a phone batch waiting behind a long import give up with tubes_busy (PostgreSQL)', async () => {
    if (ctx.db.kind !== 'postgresql') return; // PGlite has one connection: nothing runs beside a transaction
    const p0 = points[0] as { id: number };
    const started = Date.now();
    const outcome = await ctx.db.transaction(async (tx) => {
      // What an import holds while it writes: the lock on a tube of its file.
      await tx.query(`SELECT id FROM tubes WHERE barcode = 'BULK-C' FOR UPDATE`);
      return ctx.db
        .transaction((phone) =>
          recordScans(phone, clock, { roundId, sampler: 'user:phone', defaultPoolSize: 20 }, [
            {
              key: 'phone-busy-000001',
              tube: 'BULK-C',
              personId: (people[900] as { id: number }).id,
              pointId: p0.id,
              scannedAt: new Date('2022-03-14T03:00:00Z'),
            },
          ]),
        )
        .catch((e) => e);
    });
    expect(outcome).toMatchObject({ status: 503, code: 'tubes_busy' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(await count(`scans WHERE idempotency_key = 'phone-busy-000001'`)).toBe(0);
  });

  it('refuses an unreadable file whole, naming the line, and writes nothing', async () => {
    const before = await count('scans');
    const p0 = points[0] as { id: number };
    const good = `ok-file-000001,FILE-1,${(people[500] as { id: number }).id},${p0.id},2022-03-14T02:00:00Z`;
    const cases: [string, string | Buffer, string, number | undefined][] = [
      [
        'extra.csv',
        `key,tube,person_id,point_id,scanned_at\n${good}\n${good},surplus\n`,
        'file_malformed',
        3,
      ],
      [
        'quote.csv',
        `key,tube,person_id,point_id,scanned_at\n${good}\n"unclosed,x,1,1,2022\n`,
        'file_malformed',
        undefined,
      ],
      [
        'gbk.csv',
        Buffer.concat([
          Buffer.from(`key,tube,person_id,point_id,scanned_at,sampler\n${good},ok\n${good},`),
          Buffer.from([0xd5, 0xc5]),
          Buffer.from('\n'),
        ]),
        'file_encoding',
        3,
      ],
      ['header.csv', `key,tube,point_id,scanned_at\n${good}\n`, 'header_missing', 1],
      // An unclosed quote in the header (was a 500 from csv-parse's CSV_QUOTE_NOT_CLOSED, found by the fuzz test).
      ['header-quote.csv', `key,"tube,person_id,point_id,scanned_at\n${good}\n`, 'file_malformed', 1],
      ['empty.csv', '', 'file_empty', 1],
      ['dup.csv', 'tube,试管条码,person_id,point_id,scanned_at\n', 'header_duplicate', 1],
      ['scans.xls', 'whatever', 'file_unsupported', undefined],
      ['mac.csv', `key,tube,person_id,point_id,scanned_at\r${good}\r`, 'file_malformed', 1],
      ['nul.csv', `key,tube,person_id,point_id,scanned_at\n${good}\n${good}\u0000\n`, 'file_encoding', 3],
      [
        'open.csv',
        `key,tube,person_id,point_id,scanned_at,sampler\n${good},"never closed\n${`${good},x\n`.repeat(120)}`,
        'file_malformed',
        2,
      ],
    ];
    for (const [name, body, code, line] of cases) {
      const err = await importScanFile(ctx.db, clock, file(name, body), opts({ fileName: name })).catch(
        (e) => e,
      );
      expect(err, name).toBeInstanceOf(ImportFileError);
      expect({ name, code: err.code }).toEqual({ name, code });
      if (line !== undefined) expect({ name, line: err.line }).toEqual({ name, line });
    }
    expect(await count('scans')).toBe(before);
    expect(await tube('FILE-1')).toBeUndefined();
  });

  it('reads quoted fields, quotes inside text, and fields across lines, with their own line numbers', async () => {
    const p0 = points[0] as { id: number };
    const pid = (i: number) => (people[800 + i] as { id: number }).id;
    const body = [
      'tube,person_id,point_id,scanned_at,sampler',
      `QUOTE-1,${pid(0)},${p0.id},2022-03-14 10:00,"王, 医生"`,
      `QUOTE-1,${pid(1)},${p0.id},2022-03-14 10:00,O"Brien`,
      `QUOTE-1,${pid(2)},${p0.id},2022-03-14 10:00,"张""三""
第二行"`,
      `QUOTE-1,nobody,${p0.id},2022-03-14 10:00,x`,
    ].join('\r\n');
    const r = await importScanFile(ctx.db, clock, file('quotes.csv', body), opts());
    expect(r).toMatchObject({ accepted: 3, rejected: 1, problems: [{ line: 6, code: 'person_id_invalid' }] });
    const s = await ctx.db.query<{ sampler: string }>(
      `SELECT sampler FROM scans s JOIN tubes t ON t.id = s.tube_id WHERE t.barcode = 'QUOTE-1' ORDER BY s.person_id`,
    );
    // A line end inside a quoted field is read as \n, whatever the file's line ends.
    expect(s.rows.map((x) => x.sampler)).toEqual(['王, 医生', 'O"Brien', '张"三"\n第二行']);
  });

  it('reads XLSX with Chinese headers the same way', async () => {
    const p0 = points[0] as { id: number };
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('采样');
    ws.addRow(['试管条码', '人员编号', '采样点编号', '采样时间', '采样人员']);
    for (let i = 0; i < 3; i++)
      ws.addRow([`XLSX-1`, (people[600 + i] as { id: number }).id, p0.id, '2022-03-14 10:00', '王医生']);
    ws.addRow([]);
    ws.addRow([`XLSX-1`, 'nobody', p0.id, '2022-03-14 10:00', '王医生']);
    // A time typed into Excel is a date cell (a serial day number, Beijing wall clock).
    ws.addRow([
      `XLSX-2`,
      (people[610] as { id: number }).id,
      p0.id,
      new Date(Date.UTC(2022, 2, 14, 9, 30, 15)),
      '王医生',
    ]);
    const path = join(dir, 'scans.xlsx');
    await wb.xlsx.writeFile(path);
    const r = await importScanFile(ctx.db, clock, path, opts({ fileName: 'scans.xlsx' }));
    expect(r).toMatchObject({ accepted: 4, rejected: 1, problems: [{ line: 6, code: 'person_id_invalid' }] });
    const typed = await ctx.db.query<{ scanned_at: Date }>(
      `SELECT s.scanned_at FROM scans s JOIN tubes t ON t.id = s.tube_id WHERE t.barcode = 'XLSX-2'`,
    );
    expect(typed.rows[0]?.scanned_at.toISOString()).toBe('2022-03-14T01:30:15.000Z');
    const s = await ctx.db.query<{ sampler: string; n: number }>(
      `SELECT sampler, count(*)::int AS n FROM scans s JOIN tubes t ON t.id = s.tube_id WHERE t.barcode = 'XLSX-1' GROUP BY sampler`,
    );
    expect(s.rows).toEqual([{ sampler: '王医生', n: 3 }]);
    // Without a key column, keys are made from tube, person and time: the same file again is all duplicates.
    const again = await importScanFile(ctx.db, clock, path, opts({ fileName: 'scans.xlsx' }));
    expect(again).toMatchObject({ accepted: 0, duplicates: 4, rejected: 1 });
  });
  it('refuses an ID number stored in a number cell, whichever program wrote the XLSX, and flags 15-digit ones', async () => {
    const p0 = points[0] as { id: number };
    // 321083197812162119 in a number cell is read as 321083197812162100, whose check character fits.
    const typed = '321083197812162119';
    const rounded = String(Number(typed));
    const first15 = '110105491231002'; // 11010519491231002X on a first-generation card
    const exceljs = async (tag: string) => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('采样');
      ws.addRow(['试管条码', '身份证号', '采样点编号', '采样时间']);
      ws.addRow([`${tag}-1`, Number(typed), p0.id, '2022-03-14 10:00']);
      ws.addRow([`${tag}-1`, typed, p0.id, '2022-03-14 10:01']);
      ws.addRow([`${tag}-1`, Number(first15), p0.id, '2022-03-14 10:02']);
      return Buffer.from(await wb.xlsx.writeBuffer());
    };
    const handmade = (tag: string) =>
      handmadeXlsx([
        ['试管条码', '身份证号', '采样点编号', '采样时间'],
        [`${tag}-1`, { n: rounded }, { n: String(p0.id) }, '2022-03-14 10:00'],
        [`${tag}-1`, typed, { n: String(p0.id) }, '2022-03-14 10:01'],
        [`${tag}-1`, first15, { n: String(p0.id) }, '2022-03-14 10:02'],
      ]);
    for (const [tag, body] of [
      ['NUMX', await exceljs('NUMX')],
      ['NUMH', handmade('NUMH')],
    ] as const) {
      const r = await importScanFile(
        ctx.db,
        clock,
        file(`${tag}.xlsx`, body),
        opts({ fileName: 'scans.xlsx' }),
      );
      expect(r, tag).toMatchObject({
        rows: 3,
        accepted: 2,
        rejected: 1,
        rejected_by_code: { id_number_numeric_cell: 1 },
        flags: { not_in_registry: 2, id_converted_from_15: 1 },
        problems: [{ line: 2, code: 'id_number_numeric_cell' }],
      });
      expect(r.problems[0]?.message).toMatch(
        /stored as a number in the spreadsheet.*15 significant digits.*as text/,
      );
      const { rows } = await ctx.db.query<{ id_number: string; flags: string[] }>(
        `SELECT s.id_number, s.flags FROM scans s JOIN tubes t ON t.id = s.tube_id WHERE t.barcode = $1
         ORDER BY s.scanned_at`,
        [`${tag}-1`],
      );
      expect(rows, tag).toEqual([
        { id_number: typed, flags: ['not_in_registry'] },
        { id_number: '11010519491231002X', flags: ['not_in_registry', 'id_converted_from_15'] },
      ]);
    }
    expect(await count('scans WHERE id_number = $1', [rounded])).toBe(0);
    // CSV exported from such a sheet: scientific notation is refused the same way.
    const csv = [
      'tube,id_number,point_id,scanned_at',
      `NUMC-1,3.21083E+17,${p0.id},2022-03-14 10:00`,
      `NUMC-1,${typed},${p0.id},2022-03-14 10:01`,
    ];
    const c = await importScanFile(ctx.db, clock, file('numeric.csv', csv.join('\n')), opts());
    expect(c).toMatchObject({ accepted: 1, problems: [{ line: 2, code: 'id_number_numeric_cell' }] });
  });

  it('refuses a tube barcode or key that went through a number cell, and never opens a tube under it', async () => {
    const p0 = points[0] as { id: number };
    const pid = (i: number) => (people[700 + i] as { id: number }).id;
    // Barcode 0012345678 typed as a number is 12345678; 123456789012345678 is 123456789012345680.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('采样');
    ws.addRow(['采样记录号', '试管条码', '人员编号', '采样点编号', '采样时间']);
    ws.addRow(['k-numx-0001', 12345678, pid(1), p0.id, '2022-03-14 10:00']);
    ws.addRow(['k-numx-0002', Number('123456789012345678'), pid(2), p0.id, '2022-03-14 10:01']);
    ws.addRow([202203140000012, '0012345678', pid(3), p0.id, '2022-03-14 10:02']); // a key as a number
    ws.addRow(['k-numx-0004', '0012345678', pid(4), p0.id, '2022-03-14 10:03']); // text: taken
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    // As Excel stores the same numbers.
    const handmade = handmadeXlsx([
      ['采样记录号', '试管条码', '人员编号', '采样点编号', '采样时间'],
      ['k-numh-0001', { n: '12345678' }, { n: String(pid(5)) }, { n: String(p0.id) }, '2022-03-14 10:00'],
      [
        'k-numh-0002',
        { n: '1.2345678901234568E+17' },
        { n: String(pid(6)) },
        { n: String(p0.id) },
        '2022-03-14 10:01',
      ],
      [
        { n: '202203140000013' },
        '0012345678',
        { n: String(pid(7)) },
        { n: String(p0.id) },
        '2022-03-14 10:02',
      ],
      ['k-numh-0004', '0012345678', { n: String(pid(8)) }, { n: String(p0.id) }, '2022-03-14 10:03'],
    ]);
    for (const [tag, body] of [
      ['exceljs', xlsx],
      ['handmade', handmade],
    ] as const) {
      const r = await importScanFile(
        ctx.db,
        clock,
        file(`${tag}.xlsx`, body),
        opts({ fileName: 'scans.xlsx' }),
      );
      expect(r, tag).toMatchObject({
        rows: 4,
        accepted: 1,
        rejected: 3,
        rejected_by_code: { tube_numeric_cell: 2, key_numeric_cell: 1 },
        problems: [
          { line: 2, code: 'tube_numeric_cell' },
          { line: 3, code: 'tube_numeric_cell' },
          { line: 4, code: 'key_numeric_cell' },
        ],
      });
      expect(r.problems[0]?.message, tag).toMatch(
        /tube barcode is stored as a number.*leading zeros.*format the tube barcode \(试管条码\) column as text/,
      );
      expect(r.problems[2]?.message, tag).toMatch(/record key is stored as a number.*as text/);
    }
    expect(await count('tubes WHERE barcode = ANY($1::text[])', [['12345678', '123456789012345680']])).toBe(
      0,
    );
    expect(await tube('0012345678')).toMatchObject({ members: 2 });
    // CSV exported from such a sheet: scientific notation.
    const csv = [
      'key,tube,person_id,point_id,scanned_at',
      `k-numc-0001,1.23457E+17,${pid(9)},${p0.id},2022-03-14 10:00`,
      `2.02203E+14,0012345678,${pid(10)},${p0.id},2022-03-14 10:01`,
      `k-numc-0003,0012345678,${pid(11)},${p0.id},2022-03-14 10:02`,
    ];
    const c = await importScanFile(ctx.db, clock, file('numeric.csv', csv.join('\n')), opts());
    expect(c).toMatchObject({
      accepted: 1,
      problems: [
        { line: 2, code: 'tube_numeric_cell', message: expect.stringMatching(/scientific notation/) },
        { line: 3, code: 'key_numeric_cell', message: expect.stringMatching(/scientific notation/) },
      ],
    });
    expect(await tube('0012345678')).toMatchObject({ members: 3 });
  });
});
