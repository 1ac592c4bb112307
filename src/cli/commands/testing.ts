/**
 * Mass testing: `qingcang import scans`, `round plan|start|coverage`, `tubes close|pack|ship|receive` and
 * `results import` (CSV/XLSX or a FHIR bundle).
 */

import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../../domain/clock.ts';
import { appendAudit } from '../../modules/access/audit.ts';
import { cliPrincipal } from '../../modules/access/principal.ts';
import { UNSCOPED } from '../../modules/access/scope.ts';
import { roundCoverage } from '../../modules/testing/coverage.ts';
import {
  FhirBundleRefused,
  fhirOptionsFromEnv,
  ingestFhirBundle,
} from '../../modules/testing/fhir/ingest.ts';
import { parseFhirResults } from '../../modules/testing/fhir/parse-results.ts';
import { planFromRegistry } from '../../modules/testing/plan-from-registry.ts';
import { importResultsFile } from '../../modules/testing/results-file.ts';
import { createRound, getRound } from '../../modules/testing/rounds.ts';
import { importScanFile } from '../../modules/testing/scan-import.ts';
import { stageClocks } from '../../modules/testing/stage-clocks.ts';
import { closeTubes, packBox, receiveBox, shipBox } from '../../modules/testing/transport.ts';
import { progressBar } from '../progress.ts';
import { CliError, EXIT, int, withDb } from '../shared.ts';

/** `qingcang results import bundle.json`: a lab's FHIR bundle, as the API takes it (docs/FHIR.md). */
async function importFhirFile(file: string, json: boolean): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(
      EXIT.usage,
      `cannot read ${file} as JSON (${(e as Error).message}): a FHIR bundle file must be UTF-8 JSON`,
    );
  }
  const parsed = parseFhirResults(body, fhirOptionsFromEnv());
  try {
    const report = await withDb((db) =>
      db.transaction(async (tx) => {
        const r = await ingestFhirBundle(tx, systemClock, parsed, '');
        await appendAudit(tx, systemClock, cliPrincipal(), {
          action: 'testing.results_recorded',
          subjectType: 'tube_results',
          details: {
            file,
            fhir: true,
            bundle_type: r.bundle_type,
            items: r.items.length,
            antigen: r.antigen.length,
            ...r.follow_up,
          },
        });
        return r;
      }),
    );
    if (json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const by = new Map<string, number>();
    for (const x of [...report.items, ...report.antigen]) by.set(x.status, (by.get(x.status) ?? 0) + 1);
    process.stdout.write(
      `${file}: ${report.bundle_type} bundle, ${report.items.length} tube result(s), ${report.antigen.length} antigen result(s): ` +
        `${[...by].map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing'}; follow-up: ${report.follow_up.positivePools} positive pools, ` +
        `${report.follow_up.positivePersons} confirmed positives\n`,
    );
    for (const w of report.warnings) process.stdout.write(`  warning ${w.code} (${w.path}): ${w.message}\n`);
  } catch (e) {
    if (!(e instanceof FhirBundleRefused)) throw e;
    const lines = e.problems.slice(0, 100).map((x) => `  ${x.path}: ${x.code}: ${x.message}`);
    if (e.problems.length > 100) lines.push(`  … and ${e.problems.length - 100} more`);
    throw new CliError(EXIT.rejected, `${e.message}\n${lines.join('\n')}`);
  }
}

/** `qingcang import scans FILE --round ID`: a file of sampling scans. */
export function addImportScansCommand(imp: Command): void {
  imp
    .command('scans')
    .description(
      'register a file of sampling scans for a round in one transaction (COPY speed). Each row is accepted, a ' +
        'duplicate (its key was recorded before: sending a file again counts nothing twice) or rejected with its line; ' +
        'a file that cannot be read is refused whole.',
    )
    .argument(
      '<file>',
      '.csv, .tsv or .xlsx with 试管条码/tube, 人员编号/person_id or 身份证号/id_number, 采样点编号/point_id, ' +
        '采样时间/scanned_at, optional 采样记录号/key, 混采数/pool_size, 采样人员/sampler',
    )
    .requiredOption('--round <id>', 'the round the scans belong to', int('round', 1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o) => {
      const report = await withDb(async (db) => {
        let bar: ReturnType<typeof progressBar> | undefined;
        let phase = '';
        const r = await importScanFile(db, systemClock, file, {
          roundId: o.round,
          fileName: file,
          uploader: `${cliPrincipal().kind}:${cliPrincipal().name}`,
          scopePrefix: '',
          listLimit: 200,
          onProgress: (p) => {
            if (phase !== p.phase) {
              bar?.stop();
              phase = p.phase;
              bar = progressBar(p.phase === 'check' ? 'checking (bytes)' : 'writing (bytes)', p.totalBytes);
            }
            bar?.update(p.bytes);
          },
        });
        bar?.stop();
        await db.transaction((tx) =>
          appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'testing.scans_imported',
            subjectType: 'round',
            subjectId: o.round,
            details: {
              file,
              rows: r.rows,
              accepted: r.accepted,
              duplicates: r.duplicates,
              rejected: r.rejected,
            },
          }),
        );
        return r;
      });
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const flags = Object.entries(report.flags).map(([k, v]) => `${v} ${k}`);
        process.stdout.write(
          `${report.rows} rows: ${report.accepted} accepted${flags.length ? ` (flagged: ${flags.join(', ')})` : ''}, ` +
            `${report.duplicates} duplicates, ${report.rejected} rejected; ${report.tubes_opened} tubes opened, ${report.tubes_closed} closed\n`,
        );
        for (const x of report.problems) process.stdout.write(`  line ${x.line}: ${x.code}: ${x.message}\n`);
        if (report.truncated) process.stdout.write('  … more not listed (counts above are complete)\n');
      }
      if (report.rejected > 0)
        throw new CliError(
          EXIT.rejected,
          `${report.rejected} row(s) were rejected and not recorded; fix them and send those rows again (the accepted rows are recorded)`,
        );
    });
}

/** `qingcang round plan|start|coverage`. */
export function addRoundCommands(program: Command): void {
  const round = program.command('round').description('mass-testing rounds');
  const areasOpt = (v: string) => {
    const list = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (list.length === 0 || list.some((a) => !/^\d{2,15}$/.test(a)))
      throw new InvalidArgumentError('a comma-separated list of area codes');
    return list;
  };
  round
    .command('plan')
    .description(
      'plan a round from the registry: points, samplers, tubes, labs, and whether it can finish in time',
    )
    .requiredOption('--areas <codes>', 'comma-separated area codes (e.g. 2202 or 220202,220203)', areasOpt)
    .option('--deadline-hours <h>', 'hours from start to deadline', int('deadline-hours', 1, 168), 24)
    .option('--samplers <n>', 'samplers available', int('samplers', 1, 1_000_000))
    .option('--json', 'print the whole plan as JSON')
    .action(async (o) => {
      const plan = await withDb((db) =>
        planFromRegistry(db, UNSCOPED, {
          areas: o.areas,
          startsAt: systemClock.now(),
          deadlineHours: o.deadlineHours,
          samplersAvailable: o.samplers,
        }),
      );
      if (o.json) {
        process.stdout.write(`${JSON.stringify(plan)}\n`);
        return;
      }
      const t = plan.totals;
      process.stdout.write(
        `${t.population} residents in ${plan.areas.length} communities: ${t.points} sampling points, ${t.samplers} samplers, ` +
          `${t.tubes.total} tubes; labs: ${plan.labs.map((l) => `${l.name} ${l.tubes}`).join(', ')}\n` +
          `${plan.verdict.feasible ? 'feasible' : 'NOT feasible'}: finishes ${plan.verdict.finishesAt.toISOString()}\n` +
          plan.verdict.shortfalls.map((x) => `  short: ${x.message}\n`).join(''),
      );
      if (!plan.verdict.feasible) process.exitCode = EXIT.conflict;
    });
  round
    .command('start')
    .description('start a round on areas; sampling points are created from the registry')
    .requiredOption('--name <name>', 'e.g. 第8轮全员核酸')
    .requiredOption('--areas <codes>', 'comma-separated area codes', areasOpt)
    .option('--deadline-hours <h>', 'hours from start to deadline', int('deadline-hours', 1, 168), 24)
    .action(async (o) => {
      const r = await withDb((db) =>
        db.transaction(async (tx) => {
          const created = await createRound(
            tx,
            systemClock,
            { name: o.name, areas: o.areas, deadlineHours: o.deadlineHours, createdBy: cliPrincipal().name },
            '',
          );
          await appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'testing.round_created',
            subjectType: 'round',
            subjectId: created.round.id,
            details: { areas: o.areas, points: created.points },
          });
          return created;
        }),
      );
      process.stdout.write(
        `round ${r.round.id} "${r.round.name}" started with ${r.points} sampling points; deadline ${r.round.deadline_at.toISOString()}\n`,
      );
    });
  round
    .command('coverage')
    .description('residents vs sampled vs resulted and the four stage clocks per child area')
    .argument('<round>', 'round id')
    .requiredOption('--area <code>', 'the area whose children to show (e.g. 2202)')
    .option('--json', 'print JSON')
    .action(async (id: string, o) => {
      const roundId = int('round', 1, Number.MAX_SAFE_INTEGER)(id);
      const out = await withDb(async (db) => {
        const r = await getRound(db, roundId);
        if (!r) throw new CliError(EXIT.usage, `no round ${roundId}`);
        const now = systemClock.now();
        return (await roundCoverage(db, UNSCOPED, roundId, o.area)).map((a) => ({
          ...a,
          stages: stageClocks(r, a, now),
        }));
      });
      if (o.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        for (const a of out) {
          const late = a.stages.filter((x) => x.status === 'late').map((x) => x.stage);
          process.stdout.write(
            `${a.code} ${a.name}: ${a.sampled}/${a.residents} sampled, ${a.resulted} resulted, ${a.tubes} tubes (${a.positive_tubes} positive)${late.length ? `; LATE: ${late.join(', ')}` : ''}\n`,
          );
        }
      }
    });
}

/** `qingcang tubes close|pack|ship|receive`: tubes and transport boxes (送). */
export function addTubesCommands(program: Command): void {
  const transport = program
    .command('tubes')
    .description('tubes and transport boxes (送): close, pack, ship, receive');
  const tubeList = (v: string) => {
    const list = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (list.length === 0 || list.some((x) => !/^[A-Za-z0-9_-]{4,40}$/.test(x)))
      throw new InvalidArgumentError(
        'give tube barcodes (4–40 letters, digits, _ or -), separated by commas',
      );
    return list;
  };
  /** Prints the per-tube answers; refused tubes make the exit code 3. */
  const reportTubes = (items: { tube: string; status: string; code?: string; message?: string }[]) => {
    for (const i of items)
      process.stdout.write(`${i.tube}: ${i.status}${i.code ? ` (${i.code}: ${i.message})` : ''}\n`);
    const refused = items.filter((i) => i.status === 'rejected').length;
    if (refused > 0) throw new CliError(EXIT.rejected, `${refused} tube(s) refused; see above`);
  };
  transport
    .command('close')
    .description('close open tubes by hand (a retry answers "already")')
    .argument('<tubes>', 'tube barcodes, comma-separated', tubeList)
    .action(async (tubes: string[]) => {
      reportTubes(await withDb((db) => db.transaction((tx) => closeTubes(tx, systemClock, tubes, ''))));
    });
  transport
    .command('pack')
    .description('pack closed tubes of a round into a transport box (created on first use)')
    .argument('<box>', 'box barcode')
    .argument('<tubes>', 'tube barcodes, comma-separated', tubeList)
    .requiredOption('--round <id>', 'the round', int('round', 1, Number.MAX_SAFE_INTEGER))
    .action(async (box: string, tubes: string[], o) => {
      const r = await withDb((db) =>
        db.transaction((tx) => packBox(tx, systemClock, { roundId: o.round, box, tubes, scopePrefix: '' })),
      );
      process.stdout.write(`box ${r.box.barcode} (${r.box.status})\n`);
      reportTubes(r.tubes);
    });
  transport
    .command('ship')
    .description('the box leaves the sampling point with its tubes')
    .argument('<box>', 'box barcode')
    .action(async (box: string) => {
      const r = await withDb((db) => db.transaction((tx) => shipBox(tx, systemClock, box, '')));
      process.stdout.write(`box ${box} shipped with ${r.tubes} tube(s)\n`);
    });
  transport
    .command('receive')
    .description('the lab receives the box and its tubes')
    .argument('<box>', 'box barcode')
    .requiredOption('--lab <id>', 'the receiving lab', int('lab', 1, Number.MAX_SAFE_INTEGER))
    .action(async (box: string, o) => {
      const r = await withDb((db) => db.transaction((tx) => receiveBox(tx, systemClock, box, o.lab, '')));
      process.stdout.write(`box ${box} received by lab ${o.lab} with ${r.tubes} tube(s)\n`);
    });
}

/** `qingcang results import FILE`: lab results from a file. */
export function addResultsCommands(program: Command): void {
  program
    .command('results')
    .description('lab results')
    .command('import')
    .description(
      'record tube results from a CSV or XLSX export (unreadable rows reject the file) or a FHIR R4 Bundle (.json; one unit, all or nothing)',
    )
    .argument(
      '<file>',
      '.csv or .xlsx with 试管条码/tube, 检测结果/result, 检测时间/tested_at, optional Ct columns; or .json holding a FHIR R4 Bundle',
    )
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o) => {
      if (/\.(json|fhir)$/i.test(file)) return importFhirFile(file, Boolean(o.json));
      const report = await withDb(async (db) => {
        const r = await importResultsFile(db, systemClock, file, { fileName: file, scopePrefix: '' });
        await db.transaction((tx) =>
          appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'testing.results_recorded',
            subjectType: 'tube_results',
            details: { file, rows: r.rows, ...r.followUp },
          }),
        );
        return r;
      });
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const by = new Map<string, number>();
        for (const x of report.outcomes) by.set(x.status, (by.get(x.status) ?? 0) + 1);
        process.stdout.write(
          `${report.rows} rows: ${[...by].map(([k, v]) => `${v} ${k}`).join(', ')}; follow-up: ${report.followUp.positivePools} positive pools, ` +
            `${report.followUp.retestTasks} re-test tasks, ${report.followUp.positivePersons} confirmed positives\n`,
        );
        for (const x of report.outcomes
          .filter((y) => y.status === 'rejected' || y.status === 'conflict')
          .slice(0, 100)) {
          process.stdout.write(
            `  line ${x.line}: ${x.tube} ${x.status}: ${'message' in x ? x.message : ''}\n`,
          );
        }
      }
    });
}
